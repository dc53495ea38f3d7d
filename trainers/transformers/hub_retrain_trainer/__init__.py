"""hub-retrain's transformers trainer: fine-tunes a pipeline's base model behind the RETRAIN_* contract."""
