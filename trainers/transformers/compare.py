"""
`python compare.py`: AutoTrain's evaluation step (hub_retrain_trainer/autotrain_comparison.py). The environment
names the dataset folder (RETRAIN_DATA_DIR), RETRAIN_TASK, RETRAIN_PARAMS (its columns), the model AutoTrain pushed
(RETRAIN_CANDIDATE_DIR), the model in service (RETRAIN_CURRENT_MODEL_DIR, optional), a pinned evaluation set
(RETRAIN_EVAL_DATA_DIR, optional), the splits AutoTrain trained and chose on (RETRAIN_TRAIN_SPLIT,
RETRAIN_VALID_SPLIT) and where comparison.json goes (RETRAIN_OUTPUT_DIR). JSON lines on stdout, as train.py.
"""

import os

from hub_retrain_trainer.autotrain_comparison import compare
from hub_retrain_trainer.contract import Reporter, run_entry


def main(report: Reporter) -> None:
    compare(os.environ, report)


if __name__ == "__main__":
    run_entry(main)
