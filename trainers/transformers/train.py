"""
`python train.py`: hub-retrain's transformers trainer. The RETRAIN_* environment in, JSON lines on stdout,
the fine-tuned model with metrics.json, eval_results.json and a model card out (trainers/README.md).
"""

from hub_retrain_trainer.contract import Reporter, read_env, run_entry
from hub_retrain_trainer.training import train


def main(report: Reporter) -> None:
    train(read_env(), report)


if __name__ == "__main__":
    run_entry(main)
