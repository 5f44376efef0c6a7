"""Deciding what may be published: the audit (Great Expectations on the build), which rows
tonight's checks see, approval county by county, the steward's waivers and releases, and
completeness and timeliness.
"""
