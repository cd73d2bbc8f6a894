"""Account writes and sign-in checks (账号服务)."""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from core import audit
from core.auth.passwords import hash_password, needs_rehash, policy_problems, verify_password
from core.db import db, utcnow
from core.errors import ApiError
from core.models import RoleAssignment, Tenant, User
from core.tenancy import tenant_context

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
BAD_CREDENTIALS = "用户名或密码错误 (wrong username or password)"


def find_user(login: str) -> User | None:
    login = login.strip()
    return db.session.scalar(select(User).where(or_(User.username == login, User.mobile == login)))


def authenticate(login: str, password: str) -> User:
    """The user ``login``/``password`` name; the same 401 for unknown users and wrong passwords."""
    user = find_user(login)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise ApiError(401, "bad_credentials", BAD_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def create_user(username: str, password: str, *, display_name: str = "", mobile: str | None = None,
                platform_admin: bool = False, must_change_password: bool = False) -> User:
    """Create an account; 422 naming the field for a bad username, mobile or password; 409 if taken."""
    problems: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username or ""):
        problems["username"] = ["用户名须为 2 到 64 位字母、数字、下划线、点或横线 (2-64 letters, digits, _ . -)"]
    if mobile and not MOBILE_RE.match(mobile):
        problems["mobile"] = ["手机号须为 11 位大陆手机号 (an 11-digit mainland mobile number)"]
    pw = policy_problems(password or "", username)
    if pw:
        problems["password"] = pw
    if problems:
        raise ApiError(422, "validation_error", "输入有误 (invalid input)", problems)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ApiError(409, "conflict", "用户名已存在 (username taken)", {"username": ["用户名已存在 (taken)"]})
    if mobile and db.session.scalar(select(User.id).where(User.mobile == mobile)):
        raise ApiError(409, "conflict", "手机号已被使用 (mobile taken)", {"mobile": ["手机号已被使用 (taken)"]})
    user = User(username=username, display_name=display_name or username, mobile=mobile or None,
                password_hash=hash_password(password), is_platform_admin=platform_admin,
                must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    return user


def assign_role(user: User, tenant: Tenant, role: str, grid_id: int | None = None) -> RoleAssignment:
    """Give ``user`` a role in ``tenant`` (on ``grid_id``'s subtree for grid roles). Idempotent."""
    with tenant_context(tenant):
        existing = db.session.scalar(
            select(RoleAssignment).where(RoleAssignment.user_id == user.id, RoleAssignment.role == role,
                                         RoleAssignment.grid_id.is_(None) if grid_id is None else RoleAssignment.grid_id == grid_id)
        )
        if existing is not None:
            return existing
        row = RoleAssignment(user_id=user.id, role=role, grid_id=grid_id)
        db.session.add(row)
        db.session.flush()
        audit.record("role.assign", row, after={"user_id": user.id, "role": role, "grid_id": grid_id})
    return row
