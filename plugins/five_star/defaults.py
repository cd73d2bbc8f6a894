"""The default standard (五星支部创建标准): 5 stars, 29 key tasks, each star scored out of 100 and
won at 80, and the default household stars (十星农户). The shape is the one a county template
delivers (see :func:`plugins.five_star.standards.adopt_standard`); the tasks are the county's, so
they arrive locked.
"""
from __future__ import annotations

T, Y, C = "threshold", "yesno", "checklist"


def _task(code, title, *criteria):
    return {"code": code, "title": title, "locked": True,
            "criteria": [dict(zip(("kind", "title", "max_score", "metric_key", "threshold", "items"), c)) for c in criteria]}


STARS = [
    {"code": "party", "name": "支部过硬星", "pass_score": 80, "tasks": [
        _task("party-1", "班子队伍坚强有力", (C, "两委班子结构合理、分工明确", 20, None, None,
                                          ["书记抓党建述职", "班子成员分工上墙", "后备力量不少于2人"])),
        _task("party-2", "组织生活规范严格", (Y, "三会一课、主题党日按月开展并有记录", 20, None, None, [])),
        _task("party-3", "党员管理从严从实", (T, "在职党员双报到率(%)", 15, "volunteer.registered_party_members", 90, [])),
        _task("party-4", "阵地建设标准规范", (Y, "党群服务中心达到“六有”标准", 15, None, None, [])),
        _task("party-5", "制度落实民主规范", (C, "四议两公开落实", 15, None, None, ["重大事项四议", "决议公开", "结果公开"])),
        _task("party-6", "党建引领网格治理", (Y, "支部建在网格上，党员中心户联系到户", 15, None, None, [])),
    ]},
    {"code": "industry", "name": "产业兴旺星", "pass_score": 80, "tasks": [
        _task("industry-1", "村集体经济稳步增长", (T, "村集体经营性收入(万元)", 25, "village.collective_income", 10, [])),
        _task("industry-2", "特色产业形成规模", (C, "一村一品主导产业", 20, None, None, ["有主导产业", "有合作社", "有品牌"])),
        _task("industry-3", "农民持续增收", (Y, "农村居民人均可支配收入高于全县平均", 20, None, None, [])),
        _task("industry-4", "项目建设有序推进", (Y, "年度项目按期开工建成", 15, None, None, [])),
        _task("industry-5", "就业创业服务到位", (C, "就业创业帮扶", 15, None, None, ["岗位信息发布", "技能培训", "返乡创业扶持"])),
        _task("industry-6", "农村集体产权制度改革", (Y, "清产核资、股份量化完成", 5, None, None, [])),
    ]},
    {"code": "ecology", "name": "生态宜居星", "pass_score": 80, "tasks": [
        _task("ecology-1", "人居环境整治", (C, "村庄清洁行动", 25, None, None, ["垃圾日产日清", "污水有效治理", "厕所改造完成"])),
        _task("ecology-2", "河湖长制落实", (Y, "河道巡查记录完整、无黑臭水体", 20, None, None, [])),
        _task("ecology-3", "村庄绿化美化", (Y, "房前屋后绿化、庭院整洁", 20, None, None, [])),
        _task("ecology-4", "生态保护红线", (Y, "无违法占地、无乱砍滥伐", 20, None, None, [])),
        _task("ecology-5", "美丽庭院创建", (T, "星级文明户占比(%)", 15, "points_bank.household_share_over_threshold", 30, [])),
    ]},
    {"code": "safety", "name": "平安法治星", "pass_score": 80, "tasks": [
        _task("safety-1", "矛盾纠纷化解", (T, "调解成功率(%)", 20, "mediation.success_rate", 90, [])),
        _task("safety-2", "网格事件办结", (T, "网格事件办结率(%)", 20, "incidents.closure_rate", 95, [])),
        _task("safety-3", "小事不出格", (T, "网格内自办自结占比(%)", 15, "incidents.self_settled_share", 60, [])),
        _task("safety-4", "无重大安全事故", (Y, "全年无较大及以上安全事故、无群体性事件", 20, None, None, [])),
        _task("safety-5", "法治宣传教育", (C, "法治村居创建", 15, None, None, ["法律顾问进村", "普法宣传每季一次", "学法用法示范户"])),
        _task("safety-6", "禁毒与反诈宣传", (Y, "全年无新增吸毒人员，反诈宣传到户", 10, None, None, [])),
    ]},
    {"code": "civility", "name": "文明幸福星", "pass_score": 80, "tasks": [
        _task("civility-1", "移风易俗", (Y, "村规民约修订并落实红白事简办", 20, None, None, [])),
        _task("civility-2", "志愿服务常态化", (T, "年度志愿服务时长(小时)", 20, "volunteer.hours", 500, [])),
        _task("civility-3", "十星农户评选", (C, "十星级文明户评选", 20, None, None, ["每月评星", "光荣榜公示", "积分超市兑换"])),
        _task("civility-4", "民生保障到位", (C, "一老一小与困难群众关爱", 20, None, None, ["独居老人探访", "留守儿童关爱", "困难群众帮扶"])),
        _task("civility-5", "文化活动丰富", (Y, "新时代文明实践站每月开展活动", 10, None, None, [])),
        _task("civility-6", "群众满意度", (Y, "群众满意度测评达到90%以上", 10, None, None, [])),
    ]},
]

# code, name, points_bank category: the category is the star's own name, as points_bank's default
# household scheme (农户十星积分) names its categories, so points derive stars out of the box
HOUSEHOLD_STARS = [(code, name, name) for code, name in [
    ("patriotic", "爱党爱国星"), ("policy", "政策明白星"), ("public_good", "热心公益星"), ("filial", "孝老爱亲星"),
    ("ecology", "生态环保星"), ("health", "卫生健康星"), ("law", "遵纪守法星"), ("diligent", "勤劳致富星"),
    ("harmony", "邻里和睦星"), ("education", "崇学重教星")]]


def default_standard(year: int) -> dict:
    """The default standard for ``year`` as a template payload."""
    return {"year": year, "name": f"{year}年度五星支部创建标准", "stars": STARS}
