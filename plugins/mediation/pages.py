"""Console pages for cases (调解案件页面): list, intake form, detail with the next steps, the
printable 人民调解协议书, follow-ups due and the numbers. Thin: load → check → service → commit.
Forms refused by a service are shown again with the reasons beside their fields and what was typed."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import (N_, ApiError, Grid, GridStatus, Person, db, form_errors, format_local, gettext as _, requires,
                          typed, visible)
from core.toolkit import reads_replica
from plugins.mediation import followups, numbers, rooms, services
from plugins.mediation.api import intake
from plugins.mediation.models import (BACKGROUNDS, DISPUTE_TYPES, PARTY_ROLES, REFERRAL_KINDS, SOURCES, URGENCIES, Case,
                                      Mediator, MediatorRoom)
from plugins.mediation.permissions import INTAKE, MEDIATE, can_assign, can_manage, cases_condition, may_see_contacts
from plugins.mediation.schemas import CaseIn, FollowUpIn, PartyIn, StepIn
from plugins.mediation.web import case_dict, period, read_case

bp = Blueprint("mediation_pages", __name__, url_prefix="/t/<tenant>/mediation", template_folder="templates")
# the stylesheet and the print button's script: public files, outside any township's URL
assets = Blueprint("mediation_assets", __name__, static_folder="static", static_url_path="/plugin-assets/mediation")
WORDS = dict(states=services.STATE_LABELS, actions=services.ACTION_LABELS, types=DISPUTE_TYPES, sources=SOURCES,
             urgencies=URGENCIES, referrals=REFERRAL_KINDS, roles=PARTY_ROLES, backgrounds=BACKGROUNDS)
DONE = {"accept": N_("已受理"), "decline": N_("已不予受理"), "assign": N_("已指派调解员"), "session": N_("已记录调解"),
        "agree": N_("已达成协议"), "partial": N_("已记录部分达成"), "fail": N_("已记录调解不成"), "refer": N_("已移交")}


def errors_of(exc) -> dict[str, str]:
    """Field → reason, for showing beside each field, in the page's language; ``_`` holds what
    names no field (and a service's sentence when it names fields with short words)."""
    found = form_errors(exc)
    if isinstance(exc, ApiError) and exc.fields and exc.message:
        found.setdefault("_form", []).insert(0, _(exc.message))
    return {("_" if key == "_form" else key): _("；").join(dict.fromkeys(messages)) for key, messages in found.items()}


def kept(prefix: str = "") -> dict:
    """What was typed, to show again (a list where a field repeats: checkboxes, multiple selects),
    under ``prefix.`` when the page holds several forms."""
    return {f"{prefix}.{k}" if prefix else k: v for k, v in typed(request.form).items()}


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}


@bp.get("/")
@requires(MEDIATE)
def index():
    stmt = select(Case).where(cases_condition())
    state = request.args.get("state")
    if state in services.STATE_LABELS:
        stmt = stmt.where(Case.state == state)
    rows = db.session.scalars(stmt.order_by(Case.id.desc()).limit(200)).all()
    return render_template("mediation/list.html", rows=rows, state=state, **WORDS)


def _intake_choices():
    grids = db.session.scalars(select(Grid).where(Grid.status == GridStatus.active,
                                                  visible(Grid.id, INTAKE) if not can_manage() else True)
                               .order_by(Grid.path)).all()
    q = (request.values.get("q") or "").strip()
    people = []
    if q:
        people = db.session.scalars(select(Person).where(Person.name.contains(q, autoescape=True),
                                                         visible(Person.grid_id, "people.read"))
                                    .order_by(Person.name).limit(50)).all()
    return grids, rooms.all_rooms(active_only=True), people, q


def _parties_from_form(form: dict[str, str]) -> list[dict]:
    parties = []
    for i in range(3):
        raw = {k[len(f"p{i}_"):]: v for k, v in form.items() if k.startswith(f"p{i}_")}
        if raw.keys() - {"role"}:
            parties.append(raw)
    return parties


@bp.route("/new", methods=["GET", "POST"])
@requires(INTAKE)
def new():
    grids, room_list, people, q = _intake_choices()
    values, errors = kept(), {}
    if request.method == "POST" and "take_in" in request.form:
        form = _form()
        data = {k: form[k] for k in ("grid_id", "room_id", "source", "dispute_type", "summary", "amount", "urgency")
                if k in form}
        data["parties"] = _parties_from_form(form)
        try:
            case = intake(CaseIn().load(data))
            db.session.commit()
            flash(_("已登记，案号 %(number)s", number=case.number), "ok")
            if can_manage() or case.room_id in set(_my_rooms()):
                return redirect(url_for(".detail", case_id=case.id))
            return redirect(url_for(".new"))
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors = {k.replace("parties.", "p").replace(".", "_"): v for k, v in errors_of(exc).items()}
            flash(_("登记未成功，请按提示修改"), "error")
    return render_template("mediation/new.html", grids=grids, rooms=room_list, people=people, q=q, values=values,
                           errors=errors, **WORDS), 422 if errors else 200


def _my_rooms():
    from plugins.mediation.permissions import my_room_ids

    return my_room_ids()


def _detail(case, errors=None, values=None, status=200):
    room_mediators = db.session.scalars(select(Mediator).where(Mediator.active.is_(True), Mediator.id.in_(
        select(MediatorRoom.mediator_id).where(MediatorRoom.room_id == case.room_id))).order_by(Mediator.id)).all()
    body = case_dict(case, reveal=request.args.get("reveal") == "1")
    return render_template("mediation/detail.html", case=case, c=body, room_mediators=room_mediators,
                           can_assign=can_assign(case), may_reveal=may_see_contacts(case), errors=errors or {},
                           values=values or {}, **WORDS), status


@bp.get("/<int:case_id>")
@requires(MEDIATE)
def detail(case_id: int):
    case = read_case(case_id)
    page = _detail(case)
    db.session.commit()  # the audit entries of the read
    return page


def _step_data(action: str) -> dict:
    form = _form()
    if action == "assign":
        form["mediator_ids"] = request.form.getlist("mediator_ids")
    if action in ("agree", "partial"):
        form["signed_party_ids"] = request.form.getlist("signed_party_ids")
    return form


@bp.post("/<int:case_id>/act/<any(accept,decline,assign,session,agree,partial,fail,refer):action>")
@requires(MEDIATE)
def act(case_id: int, action: str):
    case = read_case(case_id, action)
    try:
        if action == "assign" and not can_assign(case):
            raise ApiError(403, "not_your_room", _("只有本调解室调解员或乡镇可以指派"))
        services.apply(g.tenant, case, action, StepIn().load(_step_data(action)))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        case = read_case(case_id, action)
        flash(_("未能%(action)s，请按提示修改", action=_(services.ACTION_LABELS[action])), "error")
        return _detail(case, {f"{action}.{k}": v for k, v in errors_of(exc).items()} | {action: True},
                       kept(action), 409 if getattr(exc, "status", 422) == 409 else 422)
    flash(_(DONE[action]), "ok")
    return redirect(url_for(".detail", case_id=case_id))


@bp.post("/<int:case_id>/followup")
@requires(MEDIATE)
def followup(case_id: int):
    case = read_case(case_id, "followup")
    try:
        followups.record(g.tenant, case, FollowUpIn().load(_form() | {"holds": request.form.get("holds", "")}))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("回访未记录，请按提示修改"), "error")
        return _detail(read_case(case_id), {f"followup.{k}": v for k, v in errors_of(exc).items()} | {"followup": True},
                       kept("followup"), 422)
    flash(_("已记录回访"), "ok")
    return redirect(url_for(".detail", case_id=case_id))


@bp.post("/<int:case_id>/parties")
@requires(MEDIATE)
def add_party(case_id: int):
    case = read_case(case_id, "add_party")
    try:
        services.add_party(g.tenant, case, PartyIn().load(_form()))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("未能增加当事人，请按提示修改"), "error")
        return _detail(read_case(case_id), {f"party.{k}": v for k, v in errors_of(exc).items()} | {"party": True},
                       kept("party"), 422)
    flash(_("已增加当事人"), "ok")
    return redirect(url_for(".detail", case_id=case_id))


@bp.get("/<int:case_id>/agreement")
@requires(MEDIATE)
def agreement(case_id: int):
    """The printable 人民调解协议书 of a case with an agreement (HTML for printing)."""
    case = read_case(case_id, "agreement")
    if case.agreement_terms is None:
        raise ApiError(404, "not_found", _("本案没有调解协议"))
    page = render_template("mediation/agreement.html", case=case, c=case_dict(case, reveal=True), **WORDS)
    db.session.commit()
    return page


@bp.get("/<int:case_id>/agreement.pdf")
@requires(MEDIATE)
def agreement_pdf(case_id: int):
    """The same 人民调解协议书 as a PDF (WeasyPrint, A4); 503 saying so when the server lacks the
    libraries it needs, the HTML page still prints."""
    from pathlib import Path

    from flask import Response

    case = read_case(case_id, "agreement_pdf")
    if case.agreement_terms is None:
        raise ApiError(404, "not_found", _("本案没有调解协议"))
    html = render_template("mediation/agreement_pdf.html", case=case, c=case_dict(case, reveal=True), **WORDS)
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError):
        raise ApiError(503, "pdf_unavailable", _("服务器未安装 PDF 组件，请打印网页版协议书"))
    css = CSS(filename=str(Path(__file__).parent / "static" / "mediation.css"))
    pdf = HTML(string=html).write_pdf(stylesheets=[css])
    db.session.commit()  # the audit entry of the read
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=mediation-agreement-{case.id}.pdf"})


@bp.get("/followups")
@requires(MEDIATE)
def due():
    readable = set(db.session.scalars(select(Case.id).where(cases_condition())))
    rows = [f for f in followups.due_followups() if f.case_id in readable]
    return render_template("mediation/followups.html", rows=rows, **WORDS)


@bp.get("/numbers")
@reads_replica
@requires(MEDIATE)
def numbers_page():
    from plugins.mediation.web import int_arg

    start, end = period()
    n = numbers.case_numbers(start, end, room_id=int_arg("room_id"))
    return render_template("mediation/numbers.html", n=n, args=request.args, rooms=rooms.all_rooms(),
                           can_export=can_manage(), **WORDS)


@bp.app_template_filter("mediation_local")
def mediation_local(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment in the township's local time (Beijing by default)."""
    return format_local(moment, fmt)


@bp.app_template_filter("mediation_rows")
def mediation_rows(rows, words=None):
    """Number rows with their label: the row's name, or a translated word (dispute types)."""
    return [{**r, "label": _(words[r["key"]]) if words and r["key"] in words else (r["name"] or str(r["key"]))}
            for r in rows]


@bp.app_template_global("mediation_incident_url")
def mediation_incident_url(incident_id: int) -> str | None:
    """The incidents module's page of an incident, when that module is installed (no import of it)."""
    from flask import url_for as build
    from werkzeug.routing import BuildError

    try:
        return build("incidents_pages.detail", incident_id=incident_id)
    except BuildError:
        return None
