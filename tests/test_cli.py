from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from auditor.cli import app

from .conftest import FIXTURES, ROOT
from .helpers import write_tree

runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "200"}
MULTI = FIXTURES / "rules" / "SEC001" / "multi_package"


def invoke(*args: str):
    return runner.invoke(app, list(args), env=ENV)


def test_json_output_is_the_only_thing_on_stdout_and_has_the_schema():
    result = invoke("audit", str(MULTI), "--format", "json", "--isolated")
    data = json.loads(result.stdout)
    assert data["tool"]["name"] == "auditor"
    assert set(data["score"]["categories"]) == {"Architecture", "Security", "Reliability", "Scalability", "Monitoring", "Documentation"}
    assert data["verdict"] == "not-ready"
    finding = next(f for f in data["findings"] if f["code"] == "SEC001")
    for key in ("code", "slug", "severity", "category", "path", "line", "end_line", "column", "message", "snippet", "fix", "fingerprint", "suppressed"):
        assert key in finding
    sec001 = sorted((f["path"], f["line"]) for f in data["findings"] if f["code"] == "SEC001")
    assert sec001 == [("app/api/routes/admin.py", 13), ("app/api/routes/orders.py", 13), ("app/api/routes/orders.py", 18), ("app/main.py", 19)]
    assert any(p["code"] == "SEC001" and "get_current_user" in p["evidence"] for p in data["passes"])


def test_sarif_validates_against_the_official_schema():
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    result = invoke("audit", str(MULTI), "--format", "sarif", "--isolated")
    log = json.loads(result.stdout)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "SEC001")
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["help"]["markdown"].startswith("## What it does")
    res = run["results"][0]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert not res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
    assert res["partialFingerprints"]["auditor/v1"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_routes_lists_full_paths_and_auth_sources():
    result = invoke("routes", str(MULTI), "--format", "json", "--isolated")
    routes = {(tuple(r["methods"]), r["path"]): r for r in json.loads(result.stdout)}
    assert routes[(("GET",), "/api/v1/items/{item_id}")]["auth_level"] == "include"
    assert routes[(("GET",), "/api/v1/users/me")]["auth_level"] == "router"
    assert routes[(("GET",), "/api/v1/orders/{order_id}")]["auth_level"] == "param"
    assert routes[(("GET",), "/api/v1/admin/stats")]["auth_level"] == "route"
    assert routes[(("GET",), "/api/v1/orders/")]["authenticated"] is False
    assert routes[(("GET",), "/healthz")]["public"]
    assert routes[(("POST",), "/webhooks/stripe")]["webhook"] is True
    assert routes[(("GET",), "/api/v1/items/{item_id}")]["file"] == "app/api/routes/items.py"
    text = invoke("routes", str(MULTI), "--isolated")
    assert "/api/v1/orders/{order_id}" in text.stdout and text.exit_code == 0


CLEAN_SERVICE = {
    "pyproject.toml": '[tool.auditor]\nassume = ["edge-rate-limit", "edge-body-limit", "edge-security-headers"]\n',
    "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
}


def test_exit_codes_follow_the_gate(tmp_path):
    clean = write_tree(tmp_path / "clean", CLEAN_SERVICE)
    assert invoke("audit", str(clean)).exit_code == 0
    assert invoke("audit", str(clean), "--isolated").exit_code == 1  # without the declared proxy: no rate limit
    assert invoke("audit", str(MULTI), "--isolated").exit_code == 1  # criticals are at or above the default "high"
    assert invoke("audit", str(MULTI), "--isolated", "--exit-zero").exit_code == 0
    assert invoke("audit", str(MULTI), "--isolated", "--select", "REL001").exit_code == 0
    assert invoke("audit", str(clean), "--fail-under", "9.0").exit_code == 0
    gated = invoke("audit", str(MULTI), "--isolated", "--fail-on", "critical", "--ignore", "SEC001")
    assert gated.exit_code == 0  # only high findings remain, under the critical gate
    assert invoke("audit", str(MULTI), "--isolated", "--select", "SEC001,SEC006", "--ignore", "SEC001,SEC006").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "/no/such/dir"], "path does not exist"),
        (["audit", str(MULTI), "--select", "NOPE999"], "unknown rule code"),
        (["audit", str(MULTI), "--fail-on", "urgent"], "unknown severity"),
        (["explain", "XYZ001"], "no rule"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_names_the_key(tmp_path):
    project = write_tree(
        tmp_path,
        {"pyproject.toml": "[tool.auditor]\nselcet = ['SEC001']\n", "main.py": "x = 1\n"},
    )
    result = invoke("audit", str(project))
    assert result.exit_code == 2 and "unknown key 'selcet'" in result.stderr
    (project / "pyproject.toml").write_text("[tool.auditor]\nfail-under = 'high'\n")
    result = invoke("audit", str(project))
    assert result.exit_code == 2 and "fail-under" in result.stderr
    (project / "pyproject.toml").write_text("[tool.auditor\n")
    result = invoke("audit", str(project))
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_config_from_pyproject_is_applied(tmp_path):
    project = write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.auditor]\nignore = ['SEC001']\npublic-routes = ['/reports/*']\n",
            "main.py": """
                from fastapi import FastAPI
                app = FastAPI()

                @app.get("/reports/{rid}")
                def report(rid: int):
                    return {}
            """,
        },
    )
    data = json.loads(invoke("audit", str(project), "--format", "json").stdout)
    assert "SEC001" not in data["rules"]


def test_output_file_and_text_summary(tmp_path):
    out = tmp_path / "report.txt"
    result = invoke("audit", str(MULTI), "--isolated", "--output", str(out), "--exit-zero")
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text()
    assert "CRITICAL" in text and "app/main.py:19" in text and "NOT READY" in text


def test_rules_and_explain_cover_every_rule(registry):
    listing = json.loads(invoke("rules", "--format", "json").stdout)
    assert {r["code"] for r in listing} == {r.code for r in registry.builtin()}
    for rule in registry.builtin():
        for key in (rule.code, rule.name):
            shown = invoke("explain", key)
            assert shown.exit_code == 0, shown.stderr
            assert rule.code in shown.stdout and "Why is this bad?" in shown.stdout


def test_a_baseline_accepts_todays_findings_and_fails_only_on_new_ones(tmp_path):
    service = write_tree(tmp_path / "svc", {
        "main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/agents')\ndef agents():\n    return []\n",
    })
    baseline = tmp_path / "baseline.json"
    written = invoke("audit", str(service), "--isolated", "--write-baseline", str(baseline))
    assert written.exit_code == 0 and baseline.exists()
    accepted = invoke("audit", str(service), "--isolated", "--baseline", str(baseline), "--format", "json")
    assert accepted.exit_code == 0
    data = json.loads(accepted.stdout)
    assert data["findings"] and all(f["suppressed"] and f["suppression"]["kind"] == "baseline" for f in data["findings"])
    assert data["score"]["total"] == 10.0
    # a line added above moves nothing: fingerprints do not use line numbers
    (service / "main.py").write_text("import os\n" + (service / "main.py").read_text() + "\n@app.delete('/agents/{agent_id}')\ndef drop(agent_id: int):\n    return None\n")
    new = invoke("audit", str(service), "--isolated", "--baseline", str(baseline), "--format", "json")
    assert new.exit_code == 1
    active = [f for f in json.loads(new.stdout)["findings"] if not f["suppressed"]]
    # the new DELETE route is unauthenticated, and it is the first route that changes data (no audit log)
    assert sorted((f["code"], f["line"]) for f in active) == [("OBS004", 3), ("SEC001", 9)]
    missing = invoke("audit", str(service), "--baseline", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "baseline file not found" in missing.stderr


def test_github_annotations_are_escaped_capped_and_summarised(tmp_path):
    summary = tmp_path / "summary.md"
    result = runner.invoke(app, ["audit", str(FIXTURES / "seed_service"), "-f", "github", "--exit-zero"],
                           env={**ENV, "GITHUB_STEP_SUMMARY": str(summary)})
    lines = result.stdout.splitlines()
    errors = [l for l in lines if l.startswith("::error ")]
    assert len(errors) == 10  # GitHub keeps at most ten per level
    assert errors[0].startswith("::error file=app/") and ",line=" in errors[0] and "title=auditor SEC" in errors[0]
    assert any("more finding(s) not annotated" in l for l in lines)
    assert "## 1." in summary.read_text() or "Structure and architecture" in summary.read_text()


def test_a_tree_with_no_app_is_an_error_not_a_ready_verdict(tmp_path):
    write_tree(tmp_path, {"tool.py": "import requests\n\nprint(requests.get('https://example.com', timeout=5))\n"})
    result = invoke("audit", str(tmp_path), "--isolated")
    assert result.exit_code == 2
    assert "no application found" in result.stderr and "--allow-empty" in result.stderr
    assert "READY" not in result.stdout
    assert invoke("routes", str(tmp_path), "--isolated").exit_code == 2


def test_allow_empty_reports_an_incomplete_verdict_with_no_score(tmp_path):
    write_tree(tmp_path, {"tool.py": "print('hello')\n"})
    result = invoke("audit", str(tmp_path), "--isolated", "--allow-empty", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "incomplete" and data["score"]["total"] is None
    assert any("no application was found" in spot for spot in data["blind_spots"])
    gated = invoke("audit", str(tmp_path), "--isolated", "--allow-empty", "--fail-under", "5")
    assert gated.exit_code == 1 and "no score" in gated.stderr


def test_an_unmodelled_framework_is_named_and_never_ready(tmp_path):
    write_tree(
        tmp_path,
        {
            "api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "legacy/urls.py": "from django.urls import path\n\nurlpatterns = []\n",
        },
    )
    result = invoke("audit", str(tmp_path), "--isolated", "--format", "json", "--select", "SEC001")
    data = json.loads(result.stdout)
    assert data["verdict"] == "incomplete" and data["frameworks"] == ["fastapi"]
    assert any(spot.startswith("Django is used (legacy/urls.py:1)") for spot in data["blind_spots"])
    text = invoke("audit", str(tmp_path), "--isolated", "--select", "SEC001")
    assert text.stdout.splitlines()[1].startswith("warning: Django is used") and "INCOMPLETE" in text.stdout
    assert invoke("audit", str(tmp_path / "legacy"), "--isolated").exit_code == 2


def test_unresolved_registrations_are_listed_unless_another_adapter_placed_them(tmp_path):
    write_tree(
        tmp_path,
        {
            "flask_app.py": "from flask import Blueprint, Flask\n\nbp = Blueprint('api', __name__)\n\n\n"
            "@bp.route('/healthz')\ndef health():\n    return {}\n\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n",
            "starlette_app.py": "from starlette.applications import Starlette\n\nfrom .plugins import router\n\napp = Starlette()\n\n\n"
            "@router.route('/hooks')\nasync def hooks(request):\n    return None\n",
        },
    )
    data = json.loads(invoke("audit", str(tmp_path), "--isolated", "--format", "json", "--select", "SEC001").stdout)
    assert sorted(data["frameworks"]) == ["flask", "starlette"]
    assert [(u["path"], u["line"]) for u in data["unresolved"]] == [("starlette_app.py", 8)]
    assert data["verdict"] == "incomplete"


def test_routes_registered_with_computed_paths_are_listed_as_unresolved(tmp_path):
    helper = (
        "def register(blueprint, route_tuples):\n"
        "    for path, resource in route_tuples:\n"
        "        blueprint.add_url_rule(path, view_func=resource.as_view(resource.__name__))\n"
    )
    app = (
        "from flask import Blueprint, Flask\n\nfrom .api import register\nfrom .resources import ROUTES\n\n"
        "bp = Blueprint('api', __name__)\nregister(bp, ROUTES)\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n"
    )
    views = "from .app import bp\n\n\n@bp.route(org_scoped('/queries'))\ndef queries():\n    return []\n"
    write_tree(tmp_path, {"api.py": helper, "app.py": app, "views.py": views})
    data = json.loads(invoke("audit", str(tmp_path), "--isolated", "--format", "json", "--select", "SEC001").stdout)
    computed = "its path is computed at run time"
    assert [(u["path"], u["line"], u["why"]) for u in data["unresolved"]] == [("api.py", 3, computed), ("views.py", 4, computed)]
    assert data["verdict"] == "incomplete"


def test_a_project_router_method_the_auditor_does_not_follow_is_listed(tmp_path):
    router = (
        "from starlette.routing import Router\n\n\nclass APIRouter(Router):\n"
        "    def post(self, path):\n        return lambda fn: fn\n\n\nrouter = APIRouter()\n\n\n"
        "@router.post('/completion')\nasync def completion(request):\n    return None\n"
    )
    app = "from starlette.applications import Starlette\nfrom starlette.routing import Mount\n\nfrom .ai import router\n\napp = Starlette(routes=[Mount('/api', app=router)])\n"
    write_tree(tmp_path, {"ai.py": router, "main.py": app})
    data = json.loads(invoke("audit", str(tmp_path), "--isolated", "--format", "json", "--select", "SEC001").stdout)
    assert [(u["path"], u["line"], u["what"]) for u in data["unresolved"]] == [("ai.py", 12, "@router.post(...)")]
    assert data["verdict"] == "incomplete"
