"""``vagvisare.django`` through Django's test client: the suggestion and feedback views answer
the service's shapes (so the widget works unchanged), bad input is a 4xx JSON error and never a
500, typed text is never logged, the template tag renders the widget, and the widget file
shipped in the package is the service's."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        SECRET_KEY="a test secret for vagvisare.django, long enough to be one",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.staticfiles",
            "vagvisare.django",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        STATIC_URL="/static/",
        USE_TZ=True,
        VAGVISARE={"BUNDLED_GUIDES": True},
    )
    django.setup()

from django import forms  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.template import TemplateSyntaxError, engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

import vagvisare  # noqa: E402
import vagvisare.django as vdj  # noqa: E402
from vagvisare.django import apps, conf, views  # noqa: E402

from conftest import GUIDES, ROOT  # noqa: E402

SUGGEST = "/vagvisare/api/suggest"
FEEDBACK = "/vagvisare/api/feedback"


class IssueForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea)


PAGE = """{% load vagvisare %}<form method="post">
{% vagvisare_widget form.description audience="invånare" category="IT och telefoni" %}</form>"""


def page(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"form": IssueForm()}, request))


urlpatterns = [
    path("vagvisare/", include("vagvisare.django.urls")),
    path("felanmalan", page),
]


@pytest.fixture(scope="module", autouse=True)
def database() -> None:
    call_command("migrate", run_syncdb=True, verbosity=0)


@pytest.fixture
def small(tmp_path: Path) -> Any:
    """The site's index is a directory holding the three guides of conftest."""
    with override_settings(VAGVISARE={"INDEX_PATH": str(tmp_path / "guides")}):
        index = vdj.get_index()
        index.upsert(GUIDES)
        index.commit()
        yield index
        vdj.reset_index()


def error_of(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["status"] == status, body
    return str(body["error"]["message"])


# ----- suggestions -----


def test_suggest_answers_the_service_shape_the_widget_reads() -> None:
    reply = Client().get(SUGGEST, {"q": "glömt lösen", "limit": "3"})
    assert reply.status_code == 200 and reply["Content-Type"] == "application/json"
    body = reply.json()
    assert set(body) == {"suggestions", "query_truncated"} and body["query_truncated"] is False
    expected = [s.to_dict() for s in vagvisare.GuideIndex.bundled().suggest("glömt lösen", limit=3)]
    assert body["suggestions"] == expected and len(expected) == 3
    best = body["suggestions"][0]
    assert best["id"] == "it-losenord-komnet-glomt"
    # What vagvisare.js reads of each suggestion.
    assert "<mark>" in best["snippet"]["html"] and best["title"] and "url" in best
    assert {"query", "guide_word", "kind"} <= set(best["matched"][0])


def test_limits_filters_and_the_post_form() -> None:
    client = Client()
    assert len(client.get(SUGGEST, {"q": "skola"}).json()["suggestions"]) == 5  # SUGGEST_LIMIT
    assert len(client.get(SUGGEST, {"q": "skola", "limit": "2"}).json()["suggestions"]) == 2
    assert len(client.get(SUGGEST, {"q": "skola", "limit": "0"}).json()["suggestions"]) == 1
    assert len(client.get(SUGGEST, {"q": "skola", "limit": " 7 "}).json()["suggestions"]) == 7
    with override_settings(VAGVISARE={"BUNDLED_GUIDES": True, "MAX_SUGGESTIONS": 3, "SUGGEST_LIMIT": 2}):
        assert len(client.get(SUGGEST, {"q": "skola"}).json()["suggestions"]) == 2
        assert len(client.get(SUGGEST, {"q": "skola", "limit": "999"}).json()["suggestions"]) == 3

    bundled = vagvisare.GuideIndex.bundled()
    query = "q=l%C3%B6senord&audience=handl%C3%A4ggare&audience=%20&category=IT+och+telefoni&limit=10"
    got = client.get(SUGGEST + "?" + query).json()["suggestions"]
    want = bundled.suggest("lösenord", limit=10, audiences=["handläggare"], categories=["IT och telefoni"])
    assert [s["id"] for s in got] == [s.id for s in want] and got
    assert all(s["category"].startswith("IT och telefoni") for s in got)

    posted = client.post(
        SUGGEST,
        {"q": "lösenord", "limit": 10, "audience": ["handläggare"], "category": ["IT och telefoni"]},
        content_type="application/json",
    )
    assert posted.status_code == 200 and posted.json()["suggestions"] == got


@pytest.mark.parametrize(
    "text",
    ["", " ", "😀😀", 'AND OR NOT "(" title:x* ~2 ^3', "\x00\x01\t", "%zz%", "å" * 3000, "glömt lösen " * 5000],
)
def test_suggest_never_fails_on_text(text: str) -> None:
    reply = Client().get(SUGGEST, {"q": text})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert isinstance(body["suggestions"], list)
    assert body["query_truncated"] is (len(text.encode()) > vagvisare.MAX_QUERY_BYTES)
    if text.startswith("glömt"):
        assert body["suggestions"] and body["query_truncated"]


def test_long_text_in_the_post_form_and_lone_surrogates() -> None:
    client = Client()
    long_text = "skrivaren skriver inte " * 200
    reply = client.post(SUGGEST, {"q": long_text}, content_type="application/json").json()
    assert reply["query_truncated"] is True and reply["suggestions"]
    raw = b'{"q": "l\\ud800senord", "audience": ["\\udfff"]}'
    assert client.post(SUGGEST, raw, content_type="application/json").status_code == 200


@pytest.mark.parametrize("limit", ["två", "-1", "5_0", "1e3", "0x10", "9" * 5000, "٣"])
def test_a_limit_that_is_not_a_whole_number_is_a_400(limit: str) -> None:
    assert "limit" in error_of(Client().get(SUGGEST, {"q": "skola", "limit": limit}), 400, "bad_request")


@pytest.mark.parametrize(
    "body,content_type,status,code",
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 400, "invalid_json"),
        (b'{"q": 5}', "application/json", 400, "invalid_json"),
        (b'{"q": "x", "limit": "5"}', "application/json", 400, "invalid_json"),
        (b'{"q": "x", "limit": -1}', "application/json", 400, "invalid_json"),
        (b'{"q": "x", "audience": "alla"}', "application/json", 400, "invalid_json"),
        (b'{"q": "x", "sort": "title"}', "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[" * 100_000, "application/json", 400, "invalid_json"),
        (b'{"q": "x"}', "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_bad_post_bodies_are_4xx_json(body: bytes, content_type: str, status: int, code: str) -> None:
    error_of(Client().post(SUGGEST, body, content_type=content_type), status, code)


def test_other_methods_are_405_json() -> None:
    reply = Client().put(SUGGEST, b"{}", content_type="application/json")
    error_of(reply, 405, "method_not_allowed")
    assert reply["Allow"] == "GET, POST"
    reply = Client().get(FEEDBACK)
    error_of(reply, 405, "method_not_allowed")
    assert reply["Allow"] == "POST"


# ----- feedback -----


def post_feedback(client: Client, **body: Any) -> Any:
    return client.post(FEEDBACK, body, content_type="application/json")


def test_feedback_from_two_logged_in_people_teaches_the_guide(small: Any) -> None:
    anna = User.objects.create(username="anna-feedback")
    bo = User.objects.create(username="bo-feedback")
    client = Client()
    assert not client.get(SUGGEST, {"q": "kopiatorn hack", "semantic": "0"}).json()["suggestions"]

    # Anonymous answers and one person's repeated answers teach nothing.
    reply = post_feedback(client, q="kopiatorn hackar, ring 070-123 45 67", guide="printer", helped=True, rank=1)
    assert reply.status_code == 201 and reply.json() == {"recorded": True}
    client.force_login(anna)
    for _ in range(2):
        assert post_feedback(client, q="kopiatorn hackar", guide="printer", helped=True, rank=1).status_code == 201
    assert not client.get(SUGGEST, {"q": "kopiatorn hack", "semantic": "0"}).json()["suggestions"]

    client.force_login(bo)
    reply = post_feedback(client, q="Kopiatorn hackar!", guide="printer", helped=True, rank=2, filed_anyway=False)
    assert reply.status_code == 201 and reply.json() == {"recorded": True}
    best = client.get(SUGGEST, {"q": "kopiatorn hack", "semantic": "0"}).json()["suggestions"][0]
    assert best["id"] == "printer" and any(m["kind"] == "learned" for m in best["matched"])
    learned = small.learned("printer")
    assert learned[0]["text"] == "kopiatorn hackar" and learned[0]["actors"] == 2

    # "Nej" with a case filed anyway is counted (a content gap), and teaches nothing.
    reply = post_feedback(client, q="parkeringstillstånd", helped=False, filed_anyway=True, case_number="C2304625")
    assert reply.status_code == 201 and reply.json() == {"recorded": True}
    report = small.feedback_report(gaps=5)
    assert report["helped"] == 4 and report["gaps"][0]["text"] == "parkeringstillstånd"
    # What was kept is redacted: no telephone number.
    assert all("070" not in t["text"] and "45 67" not in t["text"] for t in small.learned("printer"))


def test_the_actor_is_a_keyed_hash_of_the_user_id() -> None:
    user = User.objects.create(username="cecilia-actor")
    key = vdj.actor_key(user)
    assert key is not None and re.fullmatch(r"[0-9a-f]{32}", key)
    # Not the id, nor an unkeyed hash of it: the HMAC of the id under SECRET_KEY.
    assert key != str(user.pk) and key != hashlib.sha256(str(user.pk).encode()).hexdigest()[:32]
    salt = b"vagvisare.django.feedback-actor"
    expected = hmac.new(hashlib.sha256(salt + settings.SECRET_KEY.encode()).digest(), str(user.pk).encode(), hashlib.sha256)
    assert key == expected.hexdigest()[:32]
    other = User.objects.create(username="david-actor")
    assert vdj.actor_key(other) != key
    with override_settings(SECRET_KEY="another site's secret, also long enough"):
        assert vdj.actor_key(user) != key
    assert vdj.actor_key(None) is None
    from django.contrib.auth.models import AnonymousUser

    assert vdj.actor_key(AnonymousUser()) is None


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"q": "x", "guide": "finns-inte", "helped": True, "rank": 1}, 404, "guide_not_found"),
        ({"q": "x", "guide": "pw"}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": None}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": "ja"}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": 1}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": True, "rank": -1}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": True, "rank": "1"}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": True, "rank": True}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": True, "rank": 1.5}, 400, "invalid_json"),
        ({"q": "x", "guide": "pw", "helped": True, "rank": 0}, 400, "bad_request"),
        ({"q": "x", "guide": 5, "helped": True}, 400, "invalid_json"),
        ({"q": ["x"], "helped": True}, 400, "invalid_json"),
        ({"q": "x", "helped": True, "filed_anyway": "nej"}, 400, "invalid_json"),
        ({"q": "x", "helped": True, "case_number": 113}, 400, "invalid_json"),
        ({"q": "x", "helped": True, "user": "anna"}, 400, "invalid_json"),
    ],
)
def test_bad_feedback_is_a_4xx_json_error(small: Any, body: dict[str, Any], status: int, code: str) -> None:
    error_of(post_feedback(Client(), **body), status, code)
    assert small.feedback_report()["answers"] == 0


def test_feedback_bodies_that_are_not_json_objects(small: Any) -> None:
    client = Client()
    error_of(client.post(FEEDBACK, b"helped=true", content_type="application/x-www-form-urlencoded"), 415, "unsupported_media_type")
    error_of(client.post(FEEDBACK, b"true", content_type="application/json"), 400, "invalid_json")
    error_of(client.post(FEEDBACK, b'{"helped": tru', content_type="application/json"), 400, "invalid_json")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        big = b'{"helped": true, "q": "' + b"a" * 2000 + b'"}'
        error_of(client.post(FEEDBACK, big, content_type="application/json"), 413, "payload_too_large")


def test_feedback_needs_the_csrf_token_the_template_tag_hands_the_widget(small: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = post_feedback(client, q="glömt lösenordet", guide="pw", helped=True, rank=1)
    assert refused.status_code == 403
    html = client.get("/felanmalan").content.decode()
    token = re.search(r'data-vagvisare-csrf="([^"]+)"', html)
    header = re.search(r'data-vagvisare-csrf-header="([^"]+)"', html)
    assert token and header and header.group(1) == "X-CSRFTOKEN"
    reply = client.post(
        FEEDBACK,
        {"q": "glömt lösenordet", "guide": "pw", "helped": True, "rank": 1},
        content_type="application/json",
        headers={header.group(1): token.group(1)},
    )
    assert reply.status_code == 201, reply.content
    # Suggestions change nothing and need no token, also as a POST.
    assert client.post(SUGGEST, {"q": "lösen"}, content_type="application/json").status_code == 200


# ----- never a 500 for input; never typed text in the log -----


SECRET_TEXT = "hemligt-ord-ur-beskrivningen 19121212-1212"


def test_typed_text_never_reaches_the_log(small: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client()
    client.get(SUGGEST, {"q": SECRET_TEXT})
    client.get(SUGGEST, {"q": SECRET_TEXT, "limit": "många"})
    post_feedback(client, q=SECRET_TEXT, helped=False)
    post_feedback(client, q=SECRET_TEXT, guide="pw", helped=True, rank=0)
    post_feedback(client, q=SECRET_TEXT, helped=True, extra=SECRET_TEXT)

    class Broken:
        def suggest(self, text: str, **kwargs: Any) -> Any:
            raise RuntimeError(f"failed on {text}")

    monkeypatch.setattr(views, "get_index", lambda: Broken())
    reply = client.get(SUGGEST, {"q": SECRET_TEXT})
    error_of(reply, 500, "internal")
    assert SECRET_TEXT not in reply.content.decode()
    assert "RuntimeError in suggest" in caplog.text  # the failure is logged, ...
    assert "hemligt" not in caplog.text and "1212" not in caplog.text  # ... what was typed is not


def test_an_index_that_cannot_be_opened_is_a_json_503(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("not an index")
    with override_settings(VAGVISARE={"INDEX_PATH": str(not_a_dir)}):
        error_of(Client().get(SUGGEST, {"q": SECRET_TEXT}), 503, "storage_unavailable")
    assert "guide index cannot be used" in caplog.text and "hemligt" not in caplog.text


# ----- settings and the index -----


@pytest.mark.parametrize(
    "value,says",
    [
        ({"INDEX_PTH": "/x", "BUNDLED_GUIDES": True}, "INDEX_PTH"),
        ({}, "needs 'INDEX_PATH'"),
        ({"INDEX_PATH": "/x", "BUNDLED_GUIDES": True}, "both"),
        ({"BUNDLED_GUIDES": "yes"}, "True or False"),
        ({"INDEX_PATH": 5}, "must be a path"),
        ({"BUNDLED_GUIDES": True, "SUGGEST_LIMIT": 0}, "SUGGEST_LIMIT"),
        ({"BUNDLED_GUIDES": True, "SUGGEST_LIMIT": 30}, "SUGGEST_LIMIT"),
        ({"BUNDLED_GUIDES": True, "MAX_SUGGESTIONS": True}, "MAX_SUGGESTIONS"),
        (["BUNDLED_GUIDES"], "must be a dict"),
    ],
)
def test_bad_settings_fail_the_system_check(value: Any, says: str) -> None:
    with override_settings(VAGVISARE=value):
        found = apps.check_settings()
        assert len(found) == 1 and found[0].id == "vagvisare.E001" and says in found[0].msg
        error_of(Client().get(SUGGEST, {"q": "x"}), 500, "internal")
    assert apps.check_settings() == []


def test_the_index_is_opened_once_by_racing_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    real_open = conf._open

    def slow_open(found: conf.Config) -> vagvisare.GuideIndex:
        opened.append(1)
        time.sleep(0.05)
        return real_open(found)

    monkeypatch.setattr(conf, "_open", slow_open)
    vdj.reset_index()
    got: list[vagvisare.GuideIndex] = []
    threads = [threading.Thread(target=lambda: got.append(vdj.get_index())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 1 and len(got) == 8 and all(g is got[0] for g in got)
    assert vdj.get_index() is got[0]
    assert len(got[0]) > 100  # the bundled guides


# ----- the template tag and the widget file -----


def test_the_template_tag_renders_the_field_the_list_and_the_scripts() -> None:
    html = Client().get("/felanmalan").content.decode()
    field = re.search(r"<textarea[^>]*>", html)
    assert field, html
    tag = field.group(0)
    for attr in [
        'name="description"',
        "data-vagvisare-django",
        'data-vagvisare-list="#vagvisare-description"',
        'data-vagvisare-base="/vagvisare"',
        'data-vagvisare-audience="invånare"',
        'data-vagvisare-category="IT och telefoni"',
    ]:
        assert attr in tag, (attr, tag)
    assert 'data-vagvisare-feedback' not in tag and "data-vagvisare-limit" not in tag
    assert '<div id="vagvisare-description" class="vagvisare-list"></div>' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/static/vagvisare/vagvisare.js", "/static/vagvisare/django.js"]

    engine = engines["django"]
    other = engine.from_string(
        '{% load vagvisare %}{% vagvisare_widget form.description audience=roles limit=3 feedback=False heading="" %}'
    ).render({"form": IssueForm(prefix="ny"), "roles": ["invånare", "utförare"]})
    assert 'data-vagvisare-list="#vagvisare-ny-description"' in other
    assert 'data-vagvisare-audience="invånare,utförare"' in other
    assert 'data-vagvisare-limit="3"' in other and 'data-vagvisare-feedback="false"' in other
    assert 'data-vagvisare-heading=""' in other
    for bad in ["form.missing", "form.description limit=0", 'form.description category="a,b"']:
        with pytest.raises(TemplateSyntaxError, match="vagvisare_widget"):
            engine.from_string("{% load vagvisare %}{% vagvisare_widget " + bad + " %}").render({"form": IssueForm()})


def test_the_packaged_widget_is_the_services_widget() -> None:
    shipped = finders.find("vagvisare/vagvisare.js")
    assert shipped, "static/vagvisare/vagvisare.js is missing from the installed package"
    # One file: the service embeds the package's (crates/vagvisare-server/src/api/page.rs).
    source = ROOT / "bindings" / "python" / "python" / "vagvisare" / "django" / "static" / "vagvisare" / "vagvisare.js"
    assert Path(shipped).read_bytes() == source.read_bytes()
    page = (ROOT / "crates" / "vagvisare-server" / "src" / "api" / "page.rs").read_text(encoding="utf-8")
    assert '"../../../../bindings/python/python/vagvisare/django/static/vagvisare/vagvisare.js"' in page
    assert not (ROOT / "crates" / "vagvisare-server" / "assets" / "vagvisare.js").exists()
    # The installed package is tested, so this also shows the wheel holds the app's files.
    installed = Path(vdj.__file__).parent
    assert Path(shipped).is_relative_to(installed)
    assert (installed / "static" / "vagvisare" / "django.js").is_file()
    assert (installed / "templates" / "vagvisare" / "widget.html").is_file()


# ----- the README's example -----


def readme_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "bindings" / "python" / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Django\n", 1)[1].split("\n## ", 1)[0]
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```", section, re.S | re.M)]


def test_the_readme_example_works() -> None:
    blocks = readme_blocks()
    assert [kind for kind, _ in blocks] == ["py", "py", "html"]
    site: dict[str, Any] = {}
    exec(blocks[0][1], site)  # settings.py
    assert "vagvisare.django" in site["INSTALLED_APPS"]
    urls: dict[str, Any] = {}
    exec(blocks[1][1], urls)  # urls.py
    import types

    urlconf = types.ModuleType("readme_urls")
    urlconf.urlpatterns = urls["urlpatterns"] + [  # type: ignore[attr-defined]
        path("felanmalan", lambda request: HttpResponse(
            engines["django"].from_string(blocks[2][1]).render({"form": IssueForm()}, request)
        )),
    ]
    readme_settings = {**site["VAGVISARE"], "INDEX_PATH": None, "BUNDLED_GUIDES": True}
    with override_settings(VAGVISARE=site["VAGVISARE"]):
        assert apps.check_settings() == []
    with override_settings(ROOT_URLCONF=urlconf, VAGVISARE=readme_settings):
        client = Client(enforce_csrf_checks=True)
        html = client.get("/felanmalan").content.decode()
        assert 'data-vagvisare-base="/vagvisare"' in html and 'name="csrfmiddlewaretoken"' in html
        token = re.search(r'data-vagvisare-csrf="([^"]+)"', html)
        assert token
        found = client.get("/vagvisare/api/suggest", {"q": "glömt lösen"}).json()["suggestions"]
        assert found[0]["id"] == "it-losenord-komnet-glomt"
        reply = client.post(
            "/vagvisare/api/feedback",
            {"q": "glömt lösen", "guide": found[0]["id"], "helped": True, "rank": 1},
            content_type="application/json",
            headers={"X-CSRFToken": token.group(1)},
        )
        assert reply.status_code == 201
    vdj.reset_index()
