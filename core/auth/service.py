"""Account writes and sign-in checks (账号服务)."""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from core import audit
from core.auth.passwords import account_context, generate_password, hash_password, needs_rehash, policy_problems, verify_password
from core.auth.throttle import check_login_allowed, login_failed, login_succeeded
from core.db import db, utcnow
from core.errors import ApiError
from core.models import RoleAssignment, Tenant, User
from core.tenancy import tenant_context
from flask_babel import gettext as _
from core.i18n import N_

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
BAD_CREDENTIALS = N_("用户名或密码错误")


def find_user(login: str) -> User | None:
    login = login.strip()
    return db.session.scalar(select(User).where(or_(User.username == login, User.mobile == login)))


def authenticate(login: str, password: str) -> User:
    """The user ``login``/``password`` name; the same 401 for unknown users and wrong passwords
    (an unknown user still costs one argon2 verification, so both take as long).

    Failed attempts are counted per account and per address (:mod:`core.auth.throttle`); over
    the limit it raises 429 with ``Retry-After`` before looking at the password.
    """
    user = find_user(login)
    check_login_allowed(login, user)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        login_failed(login, user)
        _audit_failed_sign_in(login, user, "unknown_user" if user is None else "inactive" if ok else "bad_password")
        raise ApiError(401, "bad_credentials", BAD_CREDENTIALS)
    login_succeeded(login, user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    # accounts are global, so sign-ins go to the platform log (登录日志)
    audit.record("user.login", user, tenant_id=audit.platform_tenant_id(), actor_user=user)
    return user


def _audit_failed_sign_in(login: str, user: User | None, reason: str) -> None:
    """A refused sign-in goes to the platform log (登录日志) at once, in its own commit: the
    request answers 401 and rolls back whatever else it did. The attempted login is kept (cut to
    64 characters), never the password."""
    audit.record("user.login_failed", user, object_type="core_user", tenant_id=audit.platform_tenant_id(),
                 actor_user=user, after={"login": login.strip()[:64], "reason": reason})
    db.session.commit()


def create_user(username: str, password: str, *, display_name: str = "", mobile: str | None = None,
                platform_admin: bool = False, must_change_password: bool = False) -> User:
    """Create an account; 422 naming the field for a bad username, mobile or password; 409 if taken."""
    problems: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username or ""):
        problems["username"] = [_("用户名须为 2 到 64 位字母、数字、下划线、点或横线")]
    elif MOBILE_RE.match(username):
        # sign-in accepts a username or a mobile number: a username shaped like one would be ambiguous
        problems["username"] = [_("用户名不能是手机号")]
    if mobile and not MOBILE_RE.match(mobile):
        problems["mobile"] = [_("手机号须为 11 位大陆手机号")]
    pw = policy_problems(password or "", username, account_context(display_name, mobile))
    if pw:
        problems["password"] = pw
    if problems:
        raise ApiError(422, "validation_error", _("输入有误"), problems)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ApiError(409, "conflict", _("用户名已存在"), {"username": [_("用户名已存在")]})
    if mobile and db.session.scalar(select(User.id).where(User.mobile == mobile)):
        raise ApiError(409, "conflict", _("手机号已被使用"), {"mobile": [_("手机号已被使用")]})
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


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password (修改密码): the current one must match, the new one
    pass the policy and differ. Clears ``must_change_password`` and ends the user's other
    sessions (``session_version``). Audited in the platform log (accounts are global)."""
    check_login_allowed(user.username, user)  # guessing the current password counts as failed sign-ins
    problems: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current or ""):
        login_failed(user.username, user)
        problems["current_password"] = [_("当前密码不正确")]
    new_problems = policy_problems(new or "", user.username, account_context(user.display_name, user.mobile))
    if not new_problems and current and new == current:
        new_problems = [_("新密码不能与当前密码相同")]
    if new_problems:
        problems["new_password"] = new_problems
    if problems:
        raise ApiError(422, "validation_error", _("输入有误"), problems)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    revoked = revoke_all_tokens(user)  # a token made with the old password must not outlive it
    audit.record("user.password_change", user, tenant_id=audit.platform_tenant_id(),
                 after={"must_change_password": False, "tokens_revoked": revoked})
    db.session.flush()


def sign_out_everywhere(user: User) -> None:
    """Sign-out (退出登录) ends every session of the account server-side: the session cookie and
    any saved "remember me" cookie carry ``session_version``, which moves on, so neither signs in
    again from this browser or another. Audited in the platform log. API tokens stay (revoke them
    on the tokens page)."""
    user.session_version += 1
    audit.record("user.logout", user, tenant_id=audit.platform_tenant_id(), actor_user=user)
    db.session.flush()


def reset_password(user: User, tenant: Tenant) -> str:
    """An admin resets ``user``'s password (重置密码) from ``tenant``: returns a generated
    password (shown once); the user must change it at next sign-in, old sessions end and every API
    token of the account is revoked."""
    plain = generate_password()
    user.password_hash = hash_password(plain)
    user.must_change_password = True
    user.session_version += 1
    revoked = revoke_all_tokens(user)
    audit.record("user.password_reset", user, tenant_id=tenant.id,
                 after={"must_change_password": True, "tokens_revoked": revoked})
    db.session.flush()
    return plain


def revoke_all_tokens(user: User) -> int:
    """Revoke every API token of ``user``, in every unit: a reset password means the account may be
    in the wrong hands, and a token made before it must not come back once the password changes."""
    from sqlalchemy import update

    from core.models import ApiToken
    from core.tenancy import cross_tenant

    with cross_tenant("a password reset revokes the account's API tokens in every unit"):
        return db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                  .values(revoked_at=utcnow())).rowcount or 0
