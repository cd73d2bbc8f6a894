"""hello (问候): the smallest built-in module, proving the plugin mechanism end to end.

It has a per-tenant setting (the greeting), an API endpoint that answers with it, a dashboard
widget, and is switched on and off per township like every other module. It owns no table.
"""
from marshmallow import Schema, fields, validate

from core.specs import ModuleManifest


class HelloSettings(Schema):
    greeting = fields.String(load_default="你好，网格！", validate=validate.Length(min=1, max=50),
                             metadata={"label_zh": "问候语", "label_en": "Greeting"})
    repeat = fields.Integer(load_default=1, validate=validate.Range(min=1, max=5),
                            metadata={"label_zh": "重复次数", "label_en": "Repeat"})


manifest = ModuleManifest(
    name="hello",
    title_zh="问候",
    title_en="Hello",
    description="示例模块：在工作台显示一句问候语 (an example module that greets on the dashboard)",
    version="0.1.0",
    settings_schema=HelloSettings,
)
