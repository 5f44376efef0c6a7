"""A county being generated: its random source, its people and the rows of its four sheets."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from ingest.contract import codes

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田肖龙石姚冉杜向"
GIVEN = "国建明华文军平志伟红英丽芳敏静海涛军强勇杰磊洋艳娟霞秀兰婷雪梅宇浩晨欣怡佳俊鹏飞"
_ETHNIC = ("汉族", "汉族", "土家族", "土家族", "苗族", "侗族", "仡佬族")
EDUCATION = ("研究生", "大学本科", "大学本科", "大学专科", "大学专科", "中专或高中", "初中及以下")
INDUSTRIES = (
    "农业",
    "制造业",
    "建筑业",
    "批发和零售业",
    "住宿和餐饮业",
    "信息技术服务业",
    "物流",
    "文化旅游",
)


def birthday(born: dt.date, years: int) -> dt.date:
    """The day someone born on ``born`` turns ``years`` (1 March for 29 February)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@dataclass
class Person:
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    education: str
    political_status: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> Person:
        """The person a roster row describes (for their next role)."""
        return cls(
            *(
                row[k]
                for k in (
                    "id_number",
                    "name",
                    "sex",
                    "birth_date",
                    "ethnicity",
                    "education",
                    "political_status",
                )
            )
        )


@dataclass
class County:
    """Everything generated for one county and period, sheet by sheet."""

    code: str
    period: str
    rng: random.Random
    end: dt.date
    cadres: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)
    villages: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    townships: list[dict[str, Any]] = field(default_factory=list)
    village_projects: list[dict[str, Any]] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)
    _classes: int = 0
    #: Share of a generic county's townships that report (scale tests: fewer rows per county).
    rows_scale: float = 1.0

    # --- people ------------------------------------------------------------------------
    def person(
        self,
        age: tuple[int, int] = (25, 55),
        exact_age: int | None = None,
        party: bool | None = None,
        education: str | None = None,
    ) -> Person:
        rng = self.rng
        years = exact_age if exact_age is not None else rng.randint(*age)
        # born so that the age in full years at the period end is exactly `years`
        birth = self.end.replace(year=self.end.year - years - 1) + dt.timedelta(days=rng.randint(1, 364))
        sex = rng.choice("男女男")
        while True:
            seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
            first17 = f"{self.code}{birth:%Y%m%d}{seq:03d}"
            id_number = first17 + codes.id_check_char(first17)
            if id_number not in self._ids:
                self._ids.add(id_number)
                break
        name = rng.choice(_SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        is_party = party if party is not None else rng.random() < 0.7
        return Person(
            id_number,
            name,
            sex,
            birth,
            rng.choice(_ETHNIC),
            education or rng.choice(EDUCATION),
            "中共党员" if is_party else rng.choice(("群众", "共青团员")),
        )

    def spell(
        self, p: Person, unit: str, role: str, start: dt.date, change: str = "留任", **extra: Any
    ) -> dict[str, Any]:
        row = {
            "id_number": p.id_number,
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "ethnicity": p.ethnicity,
            "education": p.education,
            "political_status": p.political_status,
            "org_unit_code": unit,
            "role": role,
            "start_date": start,
            "change_type": change,
            **extra,
        }
        self.cadres.append(row)
        return row

    # --- training ----------------------------------------------------------------------
    def training_class(
        self,
        name: str,
        kind: str,
        level: str,
        start: dt.date,
        days: int,
        hours: float,
        people: list[dict[str, Any]],
        completed: float = 0.97,
    ) -> str:
        self._classes += 1
        class_id = f"{self.code}-{start:%Y}-{self._classes:04d}"
        for person in people:
            self.training.append(
                {
                    "class_id": class_id,
                    "class_name": name,
                    "training_type": kind,
                    "organiser_level": level,
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=days - 1),
                    "hours": hours,
                    "id_number": person["id_number"],
                    "name": person["name"],
                    "is_completed": self.rng.random() < completed,
                }
            )
        return class_id

    def in_classes(
        self,
        people: list[dict],
        size: int,
        name: str,
        kind: str,
        level: str,
        year_start: dt.date,
        days: int,
        hours: float,
    ) -> int:
        """Put ``people`` through as many classes of about ``size`` as it takes; returns the count."""
        n = 0
        for i in range(0, len(people), size):
            n += 1
            start = random_day(self.rng, year_start, min(self.end, year_start.replace(month=11, day=30)))
            self.training_class(f"{name}（第{n}期）", kind, level, start, days, hours, people[i : i + size])
        return n
