import pytest

from hub_retrain_trainer.contract import InputError, parse_params, read_env


def test_parameters_have_defaults_and_read_numeric_strings():
    params = parse_params('{"epochs": "2", "learning_rate": "3e-5", "batch_size": 8, "text_column": ["a", "b"]}')
    assert params["epochs"] == 2 and params["learning_rate"] == 3e-5 and params["batch_size"] == 8
    assert params["text_column"] == ["a", "b"]
    assert parse_params("{}")["seed"] == 42 and parse_params("{}")["device"] == "auto"


def test_unknown_keys_and_bad_values_are_named():
    with pytest.raises(InputError) as err:
        parse_params('{"epoch": 3, "batch_size": 0, "eval_fraction": 1, "device": "tpu"}')
    message = str(err.value)
    assert "RETRAIN_PARAMS.epoch: unknown key" in message
    assert "RETRAIN_PARAMS.batch_size: expected an integer from 1 to 4096" in message
    assert "RETRAIN_PARAMS.eval_fraction: expected a number > 0 and < 1" in message
    assert 'RETRAIN_PARAMS.device: expected "auto", "cpu" or "cuda"' in message


def test_params_must_be_a_json_object():
    with pytest.raises(InputError, match=r"RETRAIN_PARAMS: not valid JSON"):
        parse_params("{epochs: 3}")
    with pytest.raises(InputError, match=r"RETRAIN_PARAMS: expected a JSON object"):
        parse_params("[1]")


def test_the_environment_names_each_missing_variable(tmp_path):
    with pytest.raises(InputError) as err:
        read_env({"RETRAIN_TASK": "translation"})
    message = str(err.value)
    for expected in ("RETRAIN_DATA_DIR: required", "RETRAIN_OUTPUT_DIR: required", "RETRAIN_TASK: expected one of",
                     "RETRAIN_BASE_MODEL: required"):
        assert expected in message
    with pytest.raises(InputError, match="is not a folder"):
        read_env({"RETRAIN_DATA_DIR": str(tmp_path / "nope"), "RETRAIN_OUTPUT_DIR": str(tmp_path),
                  "RETRAIN_TASK": "text-classification", "RETRAIN_BASE_MODEL": "m"})
    env = read_env({"RETRAIN_DATA_DIR": str(tmp_path), "RETRAIN_OUTPUT_DIR": "out", "RETRAIN_TASK": "image-classification",
                    "RETRAIN_BASE_MODEL": "google/vit-base-patch16-224", "RETRAIN_DATASET": "acme/beans",
                    "RETRAIN_REVISION": "abc"})
    assert env.task == "image-classification" and env.dataset == "acme/beans" and env.params["epochs"] == 3
