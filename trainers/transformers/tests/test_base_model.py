"""
The pre-flight check's answers for each way a base model can be unloadable, through the real huggingface_hub
client against a small server that answers as the Hub does (status codes and X-Error-Code headers, as
huggingface_hub's hf_raise_for_status reads them in utils/_http.py).
"""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import run_script

from hub_retrain_trainer.base_model import locate_base_model
from hub_retrain_trainer.contract import InputError

SHA = "0" * 40
TOKEN = "hf_test_token_for_the_fake_hub"
MODELS = {"acme/public": "ok", "acme/gated": "gated", "acme/weights-only": "no-config"}


class FakeHub(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _fail(self, status, code, message):
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Type", "application/json")
        body = json.dumps({"error": message}).encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _repo(self, parts):
        repo = "/".join(parts)
        if repo not in MODELS:
            authorized = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            self._fail(404 if authorized else 401, "RepoNotFound", "Repository not found")
            return None
        return repo

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:2] == ["api", "models"] and (repo := self._repo(parts[2:4])):
            body = json.dumps({"id": repo, "sha": SHA, "private": False, "gated": MODELS[repo] == "gated"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_HEAD(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        repo = self._repo(parts[:2])
        if not repo:
            return
        if MODELS[repo] == "gated":
            return self._fail(403, "GatedRepo", f"Access to model {repo} is restricted")
        if MODELS[repo] == "no-config" or parts[-1] != "config.json":
            return self._fail(404, "EntryNotFound", "Entry not found")
        self.send_response(200)
        self.send_header("ETag", '"abc"')
        self.send_header("X-Repo-Commit", SHA)
        self.send_header("Content-Length", "2")
        self.end_headers()


@pytest.fixture(scope="module")
def hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_readable_hub_model_passes(hub):
    assert locate_base_model("acme/public", TOKEN, hub) == "acme/public"


def test_missing_private_and_gated_models_each_say_what_to_do(hub):
    with pytest.raises(InputError, match=r"no model acme/nothing on .*: check the id \(owner/name\); if it is private"):
        locate_base_model("acme/nothing", TOKEN, hub)
    with pytest.raises(InputError, match=r"was not found on .*, or it is private: no HF_TOKEN is set"):
        locate_base_model("acme/nothing", None, hub)
    with pytest.raises(InputError, match=r"acme/gated is gated: accept its conditions at .*/acme/gated"):
        locate_base_model("acme/gated", TOKEN, hub)
    with pytest.raises(InputError, match=r"acme/weights-only has no config.json"):
        locate_base_model("acme/weights-only", TOKEN, hub)


def test_local_folders_need_a_config(tmp_path):
    with pytest.raises(InputError, match=r"the folder .*/absent does not exist"):
        locate_base_model(str(tmp_path / "absent"))
    with pytest.raises(InputError, match=r"holds no config.json; expected a model folder written by save_pretrained"):
        locate_base_model(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert locate_base_model(str(tmp_path)) == str(tmp_path)
    with pytest.raises(InputError, match=r"neither a Hub model id"):
        locate_base_model("not a model!")


def test_the_preflight_command_exits_2_with_one_error_line(hub):
    run = run_script("preflight.py", env={"RETRAIN_BASE_MODEL": "acme/gated", "HF_ENDPOINT": hub, "HF_TOKEN": TOKEN,
                                          "HF_HUB_OFFLINE": "0"})
    assert run.code == 2
    assert run.stderr.strip().splitlines() == [run.last_error]
    assert run.lines[-1]["message"].startswith("failed: RETRAIN_BASE_MODEL: acme/gated is gated")
    ok = run_script("preflight.py", env={"RETRAIN_BASE_MODEL": "acme/public", "HF_ENDPOINT": hub, "HF_HUB_OFFLINE": "0"})
    assert ok.code == 0, ok.stderr
    assert ok.lines == [{"message": "base model acme/public can be loaded (acme/public)"}]


def test_offline_a_hub_model_must_be_in_the_cache(tmp_path):
    run = run_script("preflight.py", env={"RETRAIN_BASE_MODEL": "acme/public", "HF_HOME": str(tmp_path)})
    assert run.code == 2
    assert "is not in the Hugging Face cache" in run.last_error and "HF_HUB_OFFLINE is set" in run.last_error
