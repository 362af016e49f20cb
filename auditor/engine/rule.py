"""What a rule is, and what it produces: findings and passes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ..model.types import App, AppModel, Evidence, Location
from ..taxonomy import Category, Confidence, Severity


@dataclass(frozen=True)
class Finding:
    code: str
    slug: str
    severity: Severity
    category: Category
    message: str  # in English; `message_key` and `message_args` render it in other languages
    location: Location
    anchor: str  # what the finding is about, stable across unrelated edits
    message_key: str = ""
    message_args: tuple[tuple[str, str], ...] = ()
    fix: str = ""
    references: tuple[str, ...] = ()
    confidence: Confidence = Confidence.HIGH
    related: tuple[Location, ...] = ()
    # Filled in by the engine:
    snippet: str = ""
    fingerprint: str = ""
    suppressed: bool = False
    suppression: str | None = None  # "inline", "config", "baseline"
    suppression_reason: str | None = None

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.span.line


@dataclass(frozen=True)
class Pass:
    """A rule that applied and found the service doing the right thing."""

    code: str
    slug: str
    category: Category
    evidence: str
    location: Location | None = None


Result = Finding | Pass

REQUIRED_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References")
_EFFORT = re.compile(r"^(\d+(?:\.\d+)?)(m|h|d)$")


class Rule:
    """Base class. Subclasses set the metadata and implement `check`.

    The class docstring is the rule's documentation, in the sections of
    `REQUIRED_SECTIONS`; it feeds `auditor explain`, reports and SARIF help.
    """

    code: ClassVar[str]
    name: ClassVar[str]  # the kebab-case slug
    title: ClassVar[str]  # one line, shown as the finding's heading
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence] = Confidence.HIGH
    effort: ClassVar[str]  # time to fix: "30m", "4h", "1d"
    fix: ClassVar[str]  # the fix in one or two sentences
    impact: ClassVar[str] = ""  # what goes wrong, in a few words, for the problems table
    references: ClassVar[tuple[str, ...]] = ()  # "CWE-306", "OWASP-API2:2023", URLs
    messages: ClassVar[dict[str, str]]  # message templates by key, English, `{name}` placeholders
    translations: ClassVar[dict[str, dict[str, str]]] = {}  # lang -> title, fix, why, message.<key>
    old_codes: ClassVar[tuple[str, ...]] = ()
    plugin: ClassVar[str | None] = None  # the distribution a third-party rule comes from

    def check(self, model: AppModel) -> Iterator[Result]:
        raise NotImplementedError

    # --- helpers for subclasses ------------------------------------------

    def finding(
        self,
        location: Location,
        key: str,
        *,
        anchor: str,
        severity: Severity | None = None,
        related: tuple[Location, ...] = (),
        confidence: Confidence | None = None,
        **args: object,
    ) -> Finding:
        """A finding whose message is the template `messages[key]` filled with `args`."""
        text_args = tuple(sorted((k, str(v)) for k, v in args.items()))
        return Finding(
            code=self.code,
            slug=self.name,
            severity=severity or self.severity,
            category=self.category,
            message=self.messages[key].format(**dict(text_args)),
            location=location,
            anchor=anchor,
            message_key=key,
            message_args=text_args,
            fix=self.fix,
            references=self.references,
            confidence=confidence or self.confidence,
            related=related,
        )

    def passed(self, evidence: str, location: Location | None = None) -> Pass:
        return Pass(self.code, self.name, self.category, evidence, location)

    # --- documentation ---------------------------------------------------

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def section(cls, heading: str) -> str:
        doc = cls.doc()
        marker = f"## {heading}"
        start = doc.find(marker)
        if start < 0:
            return ""
        rest = doc[start + len(marker) :]
        end = rest.find("\n## ")
        return (rest if end < 0 else rest[:end]).strip()

    @classmethod
    def summary(cls) -> str:
        return cls.section("What it does").split("\n\n")[0].replace("\n", " ")

    @classmethod
    def text(cls, field: str, lang: str) -> str:
        """`title`, `fix`, `why` or `message.<key>` in a language, English as written in the class."""
        translated = cls.translations.get(lang, {}).get(field) if lang != "en" else None
        if translated:
            return translated
        if field == "why":
            return cls.section("Why is this bad?")
        if field.startswith("message."):
            return cls.messages[field.removeprefix("message.")]
        return getattr(cls, field)

    @classmethod
    def translation_keys(cls) -> set[str]:
        return {"title", "fix", "why", "impact"} | {f"message.{k}" for k in getattr(cls, "messages", {})}

    @classmethod
    def effort_minutes(cls) -> int:
        match = _EFFORT.match(cls.effort)
        if not match:
            return 0
        number, unit = float(match.group(1)), match.group(2)
        return int(number * {"m": 1, "h": 60, "d": 480}[unit])

    @classmethod
    def problems(cls) -> list[str]:
        """What is missing for the rule to be registered."""
        out = []
        for attr in ("code", "name", "title", "category", "severity", "effort", "fix", "impact", "messages"):
            if not getattr(cls, attr, None):
                out.append(f"missing {attr}")
        doc = cls.doc()
        out.extend(f"docs lack section {s!r}" for s in REQUIRED_SECTIONS if s not in doc)
        if getattr(cls, "effort", None) and not _EFFORT.match(cls.effort):
            out.append(f"effort {cls.effort!r} is not like '30m', '4h' or '1d'")
        if getattr(cls, "code", None) and not re.fullmatch(r"[A-Z]{2,5}\d{3}", cls.code):
            out.append(f"code {cls.code!r} is not like 'SEC001'")
        if getattr(cls, "name", None) and not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.name):
            out.append(f"slug {cls.name!r} is not kebab-case")
        return out


class AppCapabilityRule(Rule):
    """An absence rule: once per served application, "does it have X?".

    Subclasses say how the model shows the capability (`capability`) and, when
    the deployment can supply it instead of the code, which `assume` entry
    declares that.
    """

    assumption: ClassVar[str | None] = None
    message_key: ClassVar[str] = "missing"

    def capability(self, model: AppModel):
        raise NotImplementedError

    def app_capability(self, app: App) -> Evidence | None:
        """What this app itself is configured with (a framework setting or extension bound to it)."""
        return None

    def check(self, model: AppModel) -> Iterator[Result]:
        if not model.served_apps:
            return
        assumed = self.assumption is not None and self.assumption in model.assumptions
        shared = None if assumed else self.capability(model)
        for app in model.served_apps:
            evidence = self.app_capability(app) or shared
            if assumed:
                yield self.passed(f"supplied by the deployment (assume {self.assumption})", app.location)
            elif evidence is not None:
                yield self.passed(str(evidence), evidence.location)
            else:
                yield self.finding(app.location, self.message_key, anchor=f"{self.name}:{app.id}")
