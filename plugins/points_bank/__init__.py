"""points_bank (积分超市 / 健康银行 / 爱心超市): scoring schemes, a double-entry points ledger,
monthly review and 公示, rankings, and the points supermarket.

"一事一记录、一月一审核、一季一兑现、一年一总结". A township (or one village in it) keeps
versioned scoring schemes for households, grid workers, party organisations and party members.
Every change of a balance is an immutable transaction of entries summing to zero: points are
issued from the scheme's issuing account to a member and spent from the member to the scheme's
supermarket account. An entry may carry evidence photos (a rule can ask for one). Entries are
reviewed per month, published for objections, and the period closed; members redeem goods in
the supermarket within the township's windows and tiers. Other modules feed it through
announcements (``incidents.report_resolved``, ``volunteer.service_completed``,
``mediation.agreement``) mapped to rules in the console; it announces ``points_awarded`` and
``points_redeemed``.
"""
from marshmallow import Schema, fields, validate

from core.toolkit import ModuleManifest
from core.toolkit import N_

NAME_DISPLAY = ("full", "surname", "household_number")
REDEMPTION_MODES = ("any_time", "set_days")


class Tier(Schema):
    """A redemption tier (梯次): members ranked ``max_rank`` or better this year get it."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,15}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    max_rank = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    discount_percent = fields.Integer(load_default=0, validate=validate.Range(min=0, max=90))


DEFAULT_TIERS = [{"code": "gold", "name": "金牌户", "max_rank": 10, "discount_percent": 20},
                 {"code": "silver", "name": "银牌户", "max_rank": 50, "discount_percent": 10}]


class PointsSettings(Schema):
    publication_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=60),
                                      metadata={"label_zh": "公示天数", "label_en": "Publication days"})
    name_display = fields.String(load_default="surname", validate=validate.OneOf(
                                     NAME_DISPLAY, labels=[N_("全名"), N_("只显示姓"), N_("户号")]),
                                 metadata={"label_zh": "光荣榜姓名显示", "label_en": "Names on the board"})
    redemption_mode = fields.String(load_default="any_time", validate=validate.OneOf(
                                        REDEMPTION_MODES, labels=[N_("随时兑换"), N_("集中兑换日")]),
                                    metadata={"label_zh": "兑换方式", "label_en": "Redemption"})
    redemption_days = fields.List(fields.Integer(validate=validate.Range(min=1, max=31)),
                                  load_default=lambda: [15], validate=validate.Length(max=31),
                                  metadata={"label_zh": "集中兑换日(每月几号)", "label_en": "Redemption days of the month"})
    max_photo_kb = fields.Integer(load_default=5120, validate=validate.Range(min=50, max=20480),
                                  metadata={"label_zh": "佐证照片大小上限(KB)", "label_en": "Evidence photo size limit (KB)"})
    tiers = fields.List(fields.Nested(Tier), load_default=lambda: [dict(t) for t in DEFAULT_TIERS],
                        validate=validate.Length(max=10),
                        metadata={"label_zh": "梯次化兑换(按年度排名)", "label_en": "Redemption tiers (by annual rank)"})


manifest = ModuleManifest(
    name="points_bank",
    title_zh="积分超市",
    title_en="Points supermarket",
    description=N_("积分制管理：积分规则、复式记账的积分存折、一月一审核与公示、排名光荣榜与积分超市兑换"),
    version="0.1.0",
    settings_schema=PointsSettings,
)
