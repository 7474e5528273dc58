"""The sample district's category taxonomy and the parameters that drive each category's volume."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["CategorySpec", "CATEGORY_SPECS", "UNMATCHED_LABELS", "categories_frame"]


@dataclass(frozen=True)
class CategorySpec:
    """One category: its taxonomy row and the generator's parameters for it.

    ``rate`` is the base number of cases per 10,000 residents per year (before waves and trend).
    ``migrant`` in [0, 1] says how much the rate follows the migrant share of a community.
    ``kind`` multiplies the rate by town kind; ``amp`` is the seasonal wave's peak amplitude by
    town kind (intensity = base * (1 + amp * shape)); ``trend`` is the log growth per year.
    """

    code: str
    name_zh: str
    name_en: str
    theme: str
    department: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    long_labels: tuple[str, ...]
    rate: float
    migrant: float = 0.0
    kind: dict[str, float] = field(default_factory=dict)
    amp: dict[str, float] = field(default_factory=dict)
    season: str | None = None
    trend: float = 0.0
    dispersion: float = 6.0
    office: float = 0.45
    collective: float = 0.02
    repeat: float = 0.08
    texts: tuple[str, ...] = ()
    prep_weeks: int | None = None  # weeks a team prepares the theme before its wave (None: default)


def _k(urban: float = 1.0, industrial: float = 1.0, mixed: float = 1.0, rural: float = 1.0) -> dict[str, float]:
    return {"urban": urban, "industrial": industrial, "mixed": mixed, "rural": rural}


CATEGORY_SPECS: tuple[CategorySpec, ...] = (
    CategorySpec(
        "school_enrolment", "入学学位", "School enrolment", "入学政策宣讲", "教育局",
        ("入学", "学位", "积分入学", "子女入学"), ("入学", "学位", "招生", "插班"),
        ("教育-入学报名咨询", "教育类/学位申请", "随迁子女入学问题"),
        rate=2.2, migrant=1.0, kind=_k(0.8, 1.1, 1.0, 0.8),
        amp=_k(3.0, 16.0, 7.0, 2.0), season="enrolment", trend=0.03, office=0.55, collective=0.03,
        repeat=0.12, prep_weeks=8, texts=("反映孩子在{c}就近入学学位紧张，申请积分入学未获安排。",
                            "咨询随迁子女入学报名材料，要求{c}学校给予学位。",
                            "孩子插班申请被拒，请求教育部门协调学位。"),
    ),
    CategorySpec(
        "wage_arrears", "欠薪", "Wage arrears", "根治欠薪宣讲", "人力资源和社会保障局",
        ("拖欠工资", "劳资纠纷", "讨薪"), ("欠薪", "工资", "薪酬", "劳资", "讨薪"),
        ("劳动保障-拖欠农民工工资", "劳动关系/工资支付纠纷"),
        rate=7.0, migrant=0.8, kind=_k(0.6, 1.3, 1.0, 0.7),
        amp=_k(2.0, 6.0, 3.5, 1.5), season="wage", trend=-0.05, office=0.5, collective=0.12,
        repeat=0.1, prep_weeks=6, texts=("{c}某五金厂拖欠三个月工资，工人多次讨要无果。",
                           "在{c}工地务工，包工头拖欠工资，请求帮助追讨。",
                           "公司以效益不好为由拖欠薪酬，要求依法支付。"),
    ),
    CategorySpec(
        "land_demolition", "征地拆迁", "Land acquisition and demolition", "征地拆迁政策宣讲", "自然资源局",
        ("征地", "拆迁", "征收补偿"), ("征地", "拆迁", "征收", "补偿安置"),
        ("国土-征地补偿标准异议", "城建类/房屋征收安置"),
        rate=1.5, kind=_k(0.6, 1.0, 1.2, 1.5), dispersion=2.5, office=0.7, collective=0.15, repeat=0.25,
        texts=("对{c}征地补偿标准有异议，要求重新评估。", "{c}旧村改造拆迁安置方案不公开，请求公示。"),
    ),
    CategorySpec(
        "property_mgmt", "物业管理", "Property management", "物业纠纷调解宣讲", "住房和城乡建设局",
        ("物业", "物业服务", "物业费"), ("物业", "业委会"),
        ("住建-物业服务质量投诉", "小区业委会选举争议"),
        rate=17.0, kind=_k(1.7, 0.6, 0.9, 0.25), trend=0.08, office=0.3, collective=0.04,
        repeat=0.1, texts=("{c}小区物业乱收费，服务质量差，要求整改。", "物业公司不作为，电梯长期故障无人维修。"),
    ),
    CategorySpec(
        "environment", "环境保护", "Environmental pollution", "环保法规宣讲", "生态环境局",
        ("环保", "环境污染", "噪声扰民"), ("污染", "噪声", "异味", "排污", "环保"),
        ("生态环境-工厂废气异味", "夜间施工噪声"),
        rate=9.0, kind=_k(0.8, 1.5, 1.1, 0.8), amp=_k(0.5, 0.5, 0.5, 0.5), season="summer",
        trend=-0.04, office=0.25, collective=0.03,
        texts=("{c}附近工厂排放刺鼻异味，影响居民生活。", "夜间施工噪声扰民，请求查处。"),
    ),
    CategorySpec(
        "utilities", "水电气", "Water, power and gas", "水电气安全宣讲", "城市管理和综合执法局",
        ("供水", "停电", "燃气"), ("停水", "停电", "水压", "燃气", "电费", "供水"),
        ("公用事业-小区频繁停电", "自来水水压不足"),
        rate=7.0, kind=_k(1.2, 1.0, 1.0, 0.8), amp=_k(1.5, 1.5, 1.5, 1.5), season="utilities",
        office=0.2, texts=("{c}近期频繁停电，影响生产生活。", "小区供水水压不足，高层住户无水可用。"),
    ),
    CategorySpec(
        "flood_typhoon", "内涝台风", "Flooding and typhoon damage", "防汛防台宣讲", "应急管理局",
        ("水浸", "内涝", "台风"), ("水浸", "内涝", "积水", "台风", "暴雨"),
        ("三防-暴雨后道路积水", "台风吹倒树木"),
        rate=2.0, kind=_k(1.0, 1.0, 1.1, 1.3), amp=_k(4.0, 3.5, 4.0, 5.0), season="flood",
        office=0.2, collective=0.03, prep_weeks=6, texts=("暴雨后{c}路段严重积水，车辆无法通行。", "台风过后{c}多处树木倒伏未清理。"),
    ),
    CategorySpec(
        "public_security", "治安", "Public security", "平安建设宣讲", "公安分局",
        ("社会治安", "治安问题"), ("治安", "被盗", "诈骗", "打架"),
        ("公安-电动车被盗", "疑似电信诈骗"),
        rate=9.0, kind=_k(1.0, 1.2, 1.0, 0.8), trend=-0.03, office=0.3,
        texts=("{c}出租屋附近电动车多次被盗，要求加强巡逻。", "家中老人疑似遭遇电信诈骗，请求立案。"),
    ),
    CategorySpec(
        "social_security", "社会保障", "Social insurance", "社保政策宣讲", "社会保险基金管理局",
        ("社保", "养老保险", "医保"), ("社保", "养老", "医保", "低保"),
        ("社保-养老保险缴费年限", "城乡居民医保缴费咨询"),
        rate=7.0, migrant=0.3, amp=_k(1.0, 1.0, 1.0, 1.0), season="social", office=0.5, repeat=0.12,
        texts=("咨询养老保险缴费年限计算问题。", "{c}居民医保缴费系统无法办理，请求协助。"),
    ),
    CategorySpec(
        "medical", "医疗卫生", "Medical services and disputes", "医患沟通宣讲", "卫生健康局",
        ("医疗纠纷", "医患纠纷"), ("医院", "医疗", "诊所", "看病", "医患"),
        ("卫健-社区医院服务态度",),
        rate=5.0, kind=_k(1.2, 0.9, 1.0, 0.9), office=0.45, repeat=0.15,
        texts=("对{c}社区卫生服务中心诊疗结果有异议。", "在医院看病被多收费，要求退还。"),
    ),
    CategorySpec(
        "traffic", "交通出行", "Traffic and transport", "交通安全宣讲", "交通运输局",
        ("交通", "公交", "道路交通"), ("公交", "停车", "红绿灯", "交通"),
        ("交通-公交线路调整建议", "路口红绿灯故障"),
        rate=9.0, kind=_k(1.3, 1.0, 0.9, 0.7), trend=0.05, office=0.15,
        texts=("建议在{c}增设公交站点。", "{c}路口红绿灯故障多日无人修理。"),
    ),
    CategorySpec(
        "unfinished_homes", "烂尾楼", "Unfinished homes", "保交楼政策宣讲", "住房和城乡建设局",
        ("逾期交房", "停工楼盘", "保交楼"), ("烂尾", "交房", "停工", "开发商", "保交楼"),
        ("房地产-楼盘停工逾期交楼", "开发商资金链断裂"),
        rate=0.4, kind=_k(1.5, 0.6, 1.0, 0.3), dispersion=2.5, office=0.65, collective=0.2, repeat=0.3,
        texts=("{c}楼盘停工一年多，业主要求保交楼。", "开发商资金链断裂，购房款无法退还。"),
    ),
    CategorySpec(
        "neighbour_dispute", "邻里纠纷", "Neighbour and family disputes", "矛盾纠纷调解宣讲", "司法局",
        ("邻里矛盾", "家庭纠纷", "婚姻家庭"), ("邻里", "漏水", "宅基地", "婚姻", "家庭"),
        ("调解-楼上漏水邻里矛盾", "宅基地界址纠纷"),
        rate=9.0, kind=_k(0.9, 0.9, 1.1, 1.6), dispersion=8.0, office=0.55, repeat=0.15,
        texts=("楼上住户漏水拒不维修，邻里矛盾激化。", "{c}宅基地界址纠纷，请求村委调解。"),
    ),
    CategorySpec(
        "consumer", "消费维权", "Consumer rights", "消费维权宣讲", "市场监督管理局",
        ("消费纠纷", "消费投诉", "预付卡"), ("消费", "退款", "预付卡", "商品"),
        ("市场监管-健身房预付卡退费", "网购商品质量"),
        rate=7.0, kind=_k(1.3, 0.9, 1.0, 0.6), trend=0.06, dispersion=4.0, office=0.1,
        texts=("{c}健身房关门跑路，预付卡无法退款。", "购买的商品存在质量问题，商家拒绝退款。"),
    ),
    CategorySpec(
        "urban_mgmt", "城市管理", "Urban management", "城市管理宣讲", "城市管理和综合执法局",
        ("城管", "违法建设", "占道经营"), ("违建", "搭建", "占道", "摊贩", "垃圾", "城管", "违法建设"),
        ("城管-违规搭建铁皮房", "小区垃圾清运不及时"),
        rate=11.0, kind=_k(1.1, 1.0, 1.0, 0.9), office=0.25,
        texts=("{c}有人违规搭建铁皮房，请求拆除。", "{c}路边摊贩占道经营，影响通行。"),
    ),
)

#: Raw labels that match no category (they become ``other`` at ingest).
UNMATCHED_LABELS: tuple[str, ...] = ("其他", "综合咨询", "意见建议", "未分类")


def categories_frame() -> pd.DataFrame:
    """Return the taxonomy as ``code, name_zh, name_en, theme, department, aliases, keywords, prep_weeks``.

    Returns
    -------
    pandas.DataFrame
        One row per category; ``aliases`` and ``keywords`` are ``|``-separated.

    Examples
    --------
    >>> cats = categories_frame()
    >>> cats.loc[cats.code == "wage_arrears", "department"].item()
    '人力资源和社会保障局'
    """
    return pd.DataFrame(
        {
            "code": [s.code for s in CATEGORY_SPECS],
            "name_zh": [s.name_zh for s in CATEGORY_SPECS],
            "name_en": [s.name_en for s in CATEGORY_SPECS],
            "theme": [s.theme for s in CATEGORY_SPECS],
            "department": [s.department for s in CATEGORY_SPECS],
            "aliases": ["|".join(s.aliases) for s in CATEGORY_SPECS],
            "keywords": ["|".join(s.keywords) for s in CATEGORY_SPECS],
            "prep_weeks": pd.array([s.prep_weeks for s in CATEGORY_SPECS], dtype="Int64"),
        }
    )
