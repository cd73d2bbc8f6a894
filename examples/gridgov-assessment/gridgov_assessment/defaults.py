"""The checklist a county starts with and a township without one gets (默认考核细则): eleven items,
twenty-two rules, 100 points, as the townships' paper checklists have them. Rules with a
``metric_key`` are scored from another module's number reaching ``target`` (a rate as a fraction)."""
from __future__ import annotations

from typing import Any


def _rule(code: str, item: str, title: str, points: float, method: str, metric: str | None = None,
          target: float | None = None) -> dict[str, Any]:
    return {"code": code, "item": item, "title": title, "max_points": points, "method": method,
            "metric_key": metric, "target": target, "active": True}


DEFAULT_RULES: list[dict[str, Any]] = [
    _rule("party_meeting", "党建引领", "网格党小组每月组织一次活动", 7, "缺一次扣1分，扣完为止"),
    _rule("party_members", "党建引领", "党员联系户全覆盖", 5, "发现一户未联系扣0.5分"),
    _rule("security_patrol", "平安建设", "网格内每周巡查不少于两次", 5, "巡查记录缺一次扣0.5分"),
    _rule("security_closure", "平安建设", "上报事件按时办结", 6, "按事件办结率折算，达到95%得满分",
          "incidents.closure_rate", 0.95),
    _rule("security_self", "平安建设", "矛盾纠纷就地化解", 4, "按网格内自办自结占比折算，达到60%得满分",
          "incidents.self_settled_share", 0.6),
    _rule("safety_check", "安全生产", "九小场所安全检查全覆盖", 5, "发现一处未检查扣1分"),
    _rule("safety_hazard", "安全生产", "隐患整改按期销号", 5, "逾期一处扣1分"),
    _rule("fire_lanes", "消防安全", "消防通道畅通、无飞线充电", 4, "发现一处扣0.5分"),
    _rule("environment_clean", "人居环境", "房前屋后整洁、无乱堆乱放", 8, "督查发现一处扣0.5分"),
    _rule("environment_waste", "人居环境", "垃圾分类与清运及时", 4, "发现一处未清运扣1分"),
    _rule("environment_river", "人居环境", "河塘沟渠无漂浮物", 3, "发现一处扣0.5分"),
    _rule("info_people", "信息采集", "人口信息准确、变动及时更新", 5, "抽查错漏一条扣0.5分"),
    _rule("info_houses", "信息采集", "出租房屋登记完整", 3, "发现一户未登记扣0.5分"),
    _rule("visits_elderly", "走访服务", "独居老人每周走访", 5, "缺一次扣0.5分"),
    _rule("visits_volunteer", "走访服务", "志愿服务时长", 4, "按本季度志愿服务时长折算，达到40小时得满分",
          "volunteer.hours", 40),
    _rule("mediation_success", "矛盾调解", "纠纷调解成功率", 5, "按调解成功率折算，达到90%得满分",
          "mediation.success_rate", 0.9),
    _rule("mediation_report", "矛盾调解", "重大矛盾及时上报", 3, "迟报、漏报一次扣1分"),
    _rule("civility_points", "文明实践", "积分制管理参与面", 4, "按积分达标户占比折算，达到50%得满分",
          "points_bank.household_share_over_threshold", 0.5),
    _rule("civility_activity", "文明实践", "新时代文明实践活动", 3, "每季度不少于一次，缺一次扣1.5分"),
    _rule("epidemic_prevention", "卫生健康", "健康宣传与重点人群随访", 4, "抽查未随访一人扣0.5分"),
    _rule("duty_attendance", "队伍建设", "网格员在岗履职", 5, "无故脱岗一次扣1分"),
    _rule("duty_training", "队伍建设", "参加乡镇业务培训", 3, "缺席一次扣1分"),
]
