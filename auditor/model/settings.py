"""Settings classes (pydantic `BaseSettings`): their fields, defaults and environment names."""

from __future__ import annotations

from ..parsing.facts import CallExpr, ClassFacts, Const
from .evaluate import Evaluator, Scope, annotation_text, field_default, is_optional_annotation
from .index import ProjectIndex
from .types import Location, SettingsField


def settings_fields(index: ProjectIndex, evaluator: Evaluator) -> list[SettingsField]:
    out: list[SettingsField] = []
    for qual, located in index.classes.items():
        if not evaluator.is_settings_class(qual):
            continue
        cls = located.definition
        prefix = _env_prefix(cls)
        for assignment in cls.fields:
            if assignment.annotation is None or assignment.target in ("model_config",) or assignment.target.startswith("_"):
                continue
            default_expr = field_default(assignment.value)
            default = evaluator.evaluate(Scope(located.module), default_expr) if default_expr is not None else evaluator.evaluate(Scope(located.module), None)
            alias = None
            if isinstance(assignment.value, CallExpr):
                for key in ("validation_alias", "alias", "env"):
                    value = assignment.value.kwarg(key)
                    if isinstance(value, Const) and isinstance(value.value, str):
                        alias = value.value
            out.append(
                SettingsField(
                    cls=qual,
                    name=assignment.target,
                    annotation=annotation_text(assignment.annotation),
                    default=default,
                    required=default_expr is None,
                    optional=is_optional_annotation(assignment.annotation),
                    location=Location(located.module.path, assignment.span),
                    env_name=(alias or (prefix + assignment.target)).upper(),
                )
            )
    return out


def _env_prefix(cls: ClassFacts) -> str:
    for assignment in cls.fields:
        if assignment.target == "model_config" and isinstance(assignment.value, CallExpr):
            prefix = assignment.value.kwarg("env_prefix")
            if isinstance(prefix, Const) and isinstance(prefix.value, str):
                return prefix.value
    return ""
