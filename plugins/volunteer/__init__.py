"""volunteer (双报到、双服务 / 志愿服务): registration, posts and teams, activities with rotating-QR
check-in, service hours, and the service menu residents order from.

In-service party members (在职党员) of the county's units (机关事业单位) register (报到) at the
community where they live, alongside residents and outsiders; the community confirms them. They
take standing posts (疫情防控, 应急救援, 政策宣传, ...), join teams, sign up for activities (slots,
no overlapping bookings, a waiting list that moves up) and sign in and out by scanning the
leader's QR code, which changes every minute. Hours come from check-in and check-out, capped by
the activity's length. Residents order services from the community's menu (点单式服务); a
volunteer claims an order, does it, and the resident or grid worker confirms and rates it. Every
completed service is announced as ``volunteer_service_completed`` (points_bank, five_star). The
county keeps the units and sees, per unit, who registered where and how many hours each served.
"""
from marshmallow import Schema, fields, validate

from core.toolkit import ModuleManifest
from core.toolkit import N_


class VolunteerSettings(Schema):
    cancel_cutoff_hours = fields.Integer(load_default=2, validate=validate.Range(min=0, max=168),
                                         metadata={"label_zh": "活动开始前多少小时停止取消",
                                                   "label_en": "Cancellation closes (hours before start)"})
    qr_grace_seconds = fields.Integer(load_default=15, validate=validate.Range(min=0, max=60),
                                      metadata={"label_zh": "签到码过期宽限(秒)", "label_en": "QR code grace (seconds)"})
    min_minutes_before_checkout = fields.Integer(load_default=2, validate=validate.Range(min=0, max=120),
                                                 metadata={"label_zh": "签到后最短签退间隔(分钟)",
                                                           "label_en": "Minutes before a second scan signs out"})
    checkin_opens_minutes = fields.Integer(load_default=60, validate=validate.Range(min=0, max=1440),
                                           metadata={"label_zh": "活动开始前多少分钟可签到",
                                                     "label_en": "Check-in opens (minutes before start)"})
    missing_checkout_hours = fields.Integer(load_default=2, validate=validate.Range(min=0, max=72),
                                            metadata={"label_zh": "活动结束多少小时后自动补签退",
                                                      "label_en": "Close missing check-outs (hours after the end)"})
    order_max_hours = fields.Float(load_default=8.0, validate=validate.Range(min=0.5, max=24),
                                   metadata={"label_zh": "单次点单服务最多计时(小时)",
                                             "label_en": "Hours at most per service order"})


manifest = ModuleManifest(
    name="volunteer",
    title_zh="双报到与志愿服务",
    title_en="Volunteers",
    description=N_("在职党员双报到、志愿岗位与服务队、活动报名与扫码签到、服务时长、点单式服务"),
    version="0.1.0",
    settings_schema=VolunteerSettings,
)
