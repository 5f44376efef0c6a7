select count(distinct a.class_id)
from {{ ref('fct_training_attendance') }} as a
where a.county_code = '520624' and a.period = '2025' and a.training_type = '驻村干部培训'
