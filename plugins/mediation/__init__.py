"""mediation (调解工作室 / 村民说事): the township's case book of people's mediation.

Rooms (调解室) serve grids and are staffed by mediators (retired judges and police, respected
villagers, outsiders). A dispute is taken in (walk-in, grid worker, villagers' meeting, or a
dispute incident handed over by the incidents module), checked for conflicts of interest,
accepted or declined, mediated in sessions, and ends in an agreement (人民调解协议书, printable),
a partial agreement, a failure, or a referral (三调联动: 司法所, 信访, 法院, 派出所, a department).
Agreements are visited again (回访) at set intervals; one that does not hold reopens the case or
refers it on. Villagers' talk-it-out meetings (村民说事) record topics and what became of each.
Case details are private: only the case's mediators and the township office read them, and every
read is audited. Announces ``mediation_case_concluded`` and ``mediation_agreement_failed``.
"""
from marshmallow import Schema, fields, validate

from core.toolkit import ModuleManifest
from core.toolkit import N_

DEFAULT_FOLLOWUP_DAYS = [7, 30, 90]
DEFAULT_DISPUTE_CATEGORIES = ["dispute", "dispute_neighbour", "dispute_family", "dispute_land"]


class MediationSettings(Schema):
    followup_days = fields.List(fields.Integer(validate=validate.Range(min=1, max=730)),
                                load_default=lambda: list(DEFAULT_FOLLOWUP_DAYS), validate=validate.Length(max=6),
                                metadata={"label_zh": "协议回访间隔(天)", "label_en": "Follow-up visits after an agreement (days)"})
    take_dispute_incidents = fields.Boolean(load_default=True,
                                            metadata={"label_zh": "矛盾纠纷类事件自动转为调解案件",
                                                      "label_en": "Open a case for each dispute incident"})
    dispute_categories = fields.List(fields.String(validate=validate.Length(min=1, max=32)),
                                     load_default=lambda: list(DEFAULT_DISPUTE_CATEGORIES),
                                     validate=validate.Length(max=30),
                                     metadata={"label_zh": "转调解的事件类别编码", "label_en": "Incident category codes handed over"})
    portal_shows_cases = fields.Boolean(load_default=False,
                                        metadata={"label_zh": "居民门户显示本户当事人的案件进度",
                                                  "label_en": "Residents' portal shows cases of the household's parties"})


manifest = ModuleManifest(
    name="mediation",
    title_zh="调解工作室",
    title_en="Mediation",
    description=N_("调解室与调解员、矛盾纠纷受理、调解、协议书与回访、三调联动移交、村民说事"),
    version="0.1.0",
    settings_schema=MediationSettings,
)
