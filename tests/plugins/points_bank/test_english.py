"""Every points bank page in English (?lang=en): no Chinese left but the township's own words
(its names, its schemes' and rules' wording, goods, people)."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context


def test_pages_in_english(town, books, english_only):
    from plugins.points_bank.models import Rule, Scheme

    books.record("张三", "public_good", note="河道清理")
    pending = books.record("李四", "filial").get_json()
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "香皂", "price": 1, "stock": 2}).get_json()
    red = books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"]}).get_json()
    scheme = books.scheme()
    with tenant_context(town.tenant):
        data = set(db.session.scalars(select(Scheme.name))) | set(db.session.scalars(select(Rule.name))) | \
            set(db.session.scalars(select(Rule.category))) | set(db.session.scalars(select(Rule.evidence)))
        db.session.rollback()
    data |= {"测试镇", "查冲村", "第一网格", "第二网格", "新安村", "张三", "李四", "王五", "赵六", "张三家", "李四家", "王五家",
             "赵六家", "HH-张三", "HH-李四", "HH-王五", "HH-赵六", "香皂", "河道清理", "管理员", "件", "金牌户", "银牌户",
             "网格办小王", "张*", "积分发行账户", "积分超市账户", "基础分", "兑换 香皂 ×1", "无需审核"}
    pages = ["/", "/record", "/review", "/accounts", f"/accounts/{account['id']}", f"/schemes/{scheme['id']}",
             f"/rules/{scheme['rules'][0]['id']}/edit", "/periods", "/ranking", "/board", "/mappings", "/shop/counter",
             f"/shop/counter?q={account['number']}", "/shop/items", f"/shop/items/{item['id']}/moves",
             f"/shop/receipts/{red['id']}"]
    for path in pages:
        resp = books.api.get(f"/t/{town.slug}/points_bank{path}?lang=en" if "?" not in path
                             else f"/t/{town.slug}/points_bank{path}&lang=en")
        assert resp.status_code == 200, path
        english_only(resp.get_data(as_text=True), data)
    assert pending
