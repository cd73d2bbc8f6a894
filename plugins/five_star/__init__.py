"""five_star (五星支部创建): yearly standards, creation plans, evidence, three-level assessment,
published stars and star households.

"创星看标准、评星有依据、失星再培育". The standard of a year names the five stars (支部过硬,
产业兴旺, 生态宜居, 平安法治, 文明幸福), their key tasks and measurable criteria (a threshold on a
number, yes/no with evidence, a checklist score) with weights and the score a star needs. Each
village branch (a party organisation on a first-level grid) files a creation plan (创建计划表),
collects evidence (documents, photos, notes, and numbers other modules answer through
``star_evidence``), self-assesses, the township reviews and the county confirms (三级联创).
Confirmed stars are published per branch and year and can be withdrawn (摘星) with a reason,
flagging the branch for re-cultivation (失星再培育). Households earn ten stars / civilised-household
stars (十星农户 / 星级文明户), rated monthly and derivable from points (``household_category_points``).
"""
from marshmallow import Schema, fields, validate

from core.toolkit import ModuleManifest
from core.toolkit import N_


class FiveStarSettings(Schema):
    civilised_min_stars = fields.Integer(load_default=5, validate=validate.Range(min=1, max=10),
                                         metadata={"label_zh": "星级文明户所需星数",
                                                   "label_en": "Stars a civilised household needs"})
    points_per_star = fields.Integer(load_default=10, validate=validate.Range(min=1, max=10000),
                                     metadata={"label_zh": "积分折算一颗星所需分数",
                                               "label_en": "Points a category needs for a star"})


manifest = ModuleManifest(
    name="five_star",
    title_zh="五星支部创建",
    title_en="Five-star branches",
    description=N_("创建标准、创建计划、佐证材料、三级联创评星、摘星与再培育、十星农户"),
    version="0.1.0",
    settings_schema=FiveStarSettings,
)
