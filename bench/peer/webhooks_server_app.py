"""
The same receiver on huggingface_hub's WebhooksServer (a Gradio app that mounts webhook routes on its
FastAPI server): the library checks X-Webhook-Secret (401/403) and parses its WebhookPayload model; the
handler applies the four conditions and hands the work to a background task. The route is /webhooks/webhook.

    python webhooks_server_app.py --port 7871 --config config.json    (WEBHOOK_SECRET from the environment)
"""

import argparse
import collections
import json
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from fastapi import BackgroundTasks  # noqa: E402
from huggingface_hub import WebhookPayload, WebhooksServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--config", default="config.json")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    started = collections.deque(maxlen=1000)

    async def schedule_retrain(payload: WebhookPayload) -> None:
        started.append(payload.repo.name)

    app = WebhooksServer(webhook_secret=os.environ["WEBHOOK_SECRET"])

    @app.add_webhook("/webhook")
    async def webhook(payload: WebhookPayload, task_queue: BackgroundTasks):
        if not (
            payload.event.action == "update"
            and payload.event.scope.startswith("repo.content")
            and payload.repo.type == "dataset"
            and payload.repo.name == config["input_dataset"]
        ):
            return {"processed": False}
        task_queue.add_task(schedule_retrain, payload)
        return {"processed": True}

    # No share link (no network here), local only, quiet.
    app.launch(server_name="127.0.0.1", server_port=args.port, share=False, quiet=True, show_error=False)


if __name__ == "__main__":
    main()
