"""
The original auto-retrain Space's webhook receiver, rebuilt for the benchmark from its published behaviour
(shared/spec/hf-webhooks.md, "What the original auto-retrain Space did"): FastAPI served by uvicorn, the
secret checked from X-Webhook-Secret (401 missing, 403 wrong), the payload parsed by a pydantic model, the
four conditions, and a background task for the work. The Space's task called AutoTrain and the Hub; here it
only records the event in memory, so this stack does the least work it could per accepted event.

    python fastapi_app.py --port 7870 --config config.json    (WEBHOOK_SECRET from the environment)
"""

import argparse
import collections
import json
import os
from typing import List, Literal, Optional

import uvicorn
from fastapi import BackgroundTasks, FastAPI, Header, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel


class WebhookEvent(BaseModel):
    action: str
    scope: str


class RepoUrl(BaseModel):
    web: str
    api: Optional[str] = None


class Owner(BaseModel):
    id: str


class Repo(BaseModel):
    type: Literal["model", "dataset", "space"]
    name: str
    id: str
    private: bool
    url: RepoUrl
    headSha: Optional[str] = None
    owner: Owner


class UpdatedRef(BaseModel):
    ref: str
    oldSha: Optional[str] = None
    newSha: Optional[str] = None


class Webhook(BaseModel):
    id: str
    version: Literal[3]


class WebhookPayload(BaseModel):
    event: WebhookEvent
    repo: Repo
    updatedRefs: Optional[List[UpdatedRef]] = None
    webhook: Webhook


def create_app(config: dict, webhook_secret: str) -> FastAPI:
    app = FastAPI()
    started = collections.deque(maxlen=1000)

    async def schedule_retrain(payload: WebhookPayload) -> None:
        # Stands in for createProject -> addData -> startProcessing -> announce: no persistence, no retry.
        started.append((payload.repo.name, payload.repo.headSha))

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return "<h1>auto-retrain</h1><p>POST /webhook</p>"

    @app.post("/webhook")
    async def post_webhook(
        payload: WebhookPayload,
        task_queue: BackgroundTasks,
        x_webhook_secret: Optional[str] = Header(default=None),
    ):
        if x_webhook_secret is None:
            raise HTTPException(401)
        if x_webhook_secret != webhook_secret:
            raise HTTPException(403)
        if not (
            payload.event.action == "update"
            and payload.event.scope.startswith("repo.content")
            and payload.repo.type == "dataset"
            and payload.repo.name == config["input_dataset"]
        ):
            return {"processed": False}
        task_queue.add_task(schedule_retrain, payload)
        return {"processed": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--config", default="config.json")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    app = create_app(config, os.environ["WEBHOOK_SECRET"])
    # One process, like the Space; "warning" keeps the access log off, as LOG_LEVEL=warn does for ours.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
