"""assessment (网格考核): the township's quarterly assessment of its grids, as a separately
installed plugin written only against ``core.toolkit``.

Each quarter has its checklist (考核细则: items such as party building, public security, work
safety and living environment, each rule with its points and how it is scored), copied from the
quarter before or adopted from the county's template. Inspectors record lost points per grid and
rule (who, when, evidence); rules tied to a number (incidents closed, volunteer hours...) are
scored from what the township's other modules answer through ``assessment_numbers``, each number
shown with the module it came from. Closing a quarter freezes the numbers; publishing it shows the
ranking (季排队) with every grid's lost points rule by rule and the gap to the grid above, the
star grades, and the scores of grid leaders and grid instructors (网格指导员) with their grids.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.toolkit import ModuleManifest, N_
from core.toolkit import gettext as _

DEFAULT_STAR_THRESHOLDS = [60, 70, 80, 90, 95]


class AssessmentSettings(Schema):
    star_thresholds = fields.List(fields.Integer(validate=validate.Range(min=0, max=100)),
                                  load_default=lambda: list(DEFAULT_STAR_THRESHOLDS),
                                  validate=validate.Length(equal=5),
                                  metadata={"label_zh": "一至五星的得分率下限(%)",
                                            "label_en": "Lowest score (% of full marks) for one to five stars"})
    grid_level = fields.Integer(load_default=0, validate=validate.Range(min=0, max=8),
                                metadata={"label_zh": "考核的网格层级(0: 名为“网格”的一级)",
                                          "label_en": "Grid level assessed (0: the level named \u201cgrid\u201d)"})
    award_count = fields.Integer(load_default=3, validate=validate.Range(min=0, max=50),
                                 metadata={"label_zh": "年度先进网格名额", "label_en": "Grids proposed for the year's awards"})

    @validates("star_thresholds")
    def rising(self, value, **kwargs):
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValidationError(_("须逐级递增"))


manifest = ModuleManifest(
    name="assessment",
    title_zh="网格考核",
    title_en="Grid assessment",
    description=N_("季度考核细则、督查扣分、季排队、星级评定与年度汇总"),
    version="0.1.0",
    settings_schema=AssessmentSettings,
)
