"""Settings forms generated from marshmallow schemas: inputs by field type, parsing, messages."""
from __future__ import annotations

import pytest
from flask_babel import refresh
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from core.console.forms import build_form, localise, parse_form


class Sample(Schema):
    title = fields.String(load_default="标题", validate=validate.Length(max=20), metadata={"label_zh": "标题", "label_en": "Title"})
    limit = fields.Integer(load_default=3, validate=validate.Range(min=1, max=9), metadata={"label_zh": "上限"})
    rate = fields.Float(load_default=0.5)
    public = fields.Boolean(load_default=False, metadata={"label_zh": "公开"})
    mode = fields.String(load_default="a", validate=validate.OneOf(["a", "b"], labels=["甲", "乙"]))
    tags = fields.List(fields.String(), load_default=list)
    extra = fields.Dict(load_default=dict)
    note = fields.String(load_default=None, allow_none=True)


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"):
        yield


def test_field_types_become_inputs():
    form = {f.name: f for f in build_form(Sample, Sample().dump(Sample().load({"tags": ["x", "y"]})))}
    assert form["title"].kind == "text" and form["title"].label == "标题" and form["title"].attrs["maxlength"] == 20
    assert form["limit"].kind == "number" and form["limit"].attrs == {"step": "1", "min": 1, "max": 9}
    assert form["rate"].attrs["step"] == "any"
    assert form["public"].kind == "checkbox" and form["public"].value is False
    assert form["mode"].kind == "select" and form["mode"].choices == [("a", "甲"), ("b", "乙")]
    assert form["tags"].kind == "textarea" and form["tags"].value == "x\ny"
    assert form["extra"].kind == "textarea"
    assert form["note"].label == "note"  # no metadata: the name


def test_english_labels(app):
    with app.test_request_context("/?lang=en"):
        form = {f.name: f for f in build_form(Sample, {})}
    assert form["title"].label == "Title"
    assert form["limit"].label == "上限"  # no English label: the Chinese one


def test_parse_form_turns_strings_into_load_input():
    data = parse_form(Sample, MultiDict({"title": "新", "limit": "4", "tags": "一\n\n 二 \n", "extra": '{"k": 1}', "note": " "}))
    assert data == {"title": "新", "limit": "4", "public": False, "tags": ["一", "二"], "extra": {"k": 1}, "note": None}
    assert parse_form(Sample, MultiDict({"public": "1"}))["public"] is True
    loaded = Sample().load(data)
    assert loaded["limit"] == 4 and loaded["tags"] == ["一", "二"]


def test_bad_json_is_left_for_the_schema_to_reject():
    data = parse_form(Sample, MultiDict({"extra": "{not json"}))
    with pytest.raises(ValidationError) as exc:
        Sample().load(data)
    assert "extra" in exc.value.messages


def test_typed_values_and_errors_are_shown():
    typed = MultiDict({"title": "好", "limit": "abc"})
    form = {f.name: f for f in build_form(Sample, {}, errors={"limit": ["Not a valid integer."]}, typed=typed)}
    assert form["limit"].value == "abc" and form["limit"].errors == ["须为整数"]
    assert form["title"].value == "好" and form["title"].errors == []
    assert form["public"].value is False


def test_marshmallow_messages_in_chinese_and_english(app):
    msgs = {"a": ["Must be greater than or equal to 1 and less than or equal to 5."], "b": ["Longer than maximum length 50."]}
    assert localise(msgs) == ["a: 须在 1 到 5 之间", "b: 长度不能超过 50"]
    assert localise(["已是中文"]) == ["已是中文"]
    with app.test_request_context("/?lang=en"):
        refresh()  # the locale is cached per app context, which the nested request shares
        assert localise(["Not a valid integer."]) == ["Not a valid integer."]
