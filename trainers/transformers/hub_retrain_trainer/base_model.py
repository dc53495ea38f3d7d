"""
Where the base model comes from, checked before anything heavy is imported: a local folder written by
`save_pretrained` (it must hold a config.json), or a Hub model id the token can read. Missing, private and
gated models each get their own message, and say what to do.
"""

from __future__ import annotations

import os
import re

from .contract import InputError

# `owner/name`, or a legacy canonical id without an owner (`bert-base-uncased`).
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}(/[\w.-]{1,96})?$")


def looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~")) or os.path.isdir(os.path.expanduser(name))


def locate_base_model(name: str, token: str | None = None, endpoint: str | None = None) -> str:
    """The path or Hub id to load `name` from, or an InputError saying why it cannot be loaded."""
    if looks_like_path(name):
        return _local_folder(name)
    if not HUB_ID.match(name) or "--" in name or ".." in name:
        raise InputError(
            f'RETRAIN_BASE_MODEL: "{name}" is neither a Hub model id ("owner/name") nor a folder that exists'
        )
    return _hub_model(name, token, endpoint)


def _local_folder(name: str) -> str:
    path = os.path.abspath(os.path.expanduser(name))
    if not os.path.isdir(path):
        raise InputError(f"RETRAIN_BASE_MODEL: the folder {path} does not exist")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise InputError(
            f"RETRAIN_BASE_MODEL: {path} holds no config.json; expected a model folder written by "
            "save_pretrained (config.json, model.safetensors and the tokenizer or image processor)"
        )
    return path


def _hub_model(repo: str, token: str | None, endpoint: str | None) -> str:
    from huggingface_hub import HfApi, constants, get_hf_file_metadata, hf_hub_url, try_to_load_from_cache
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if constants.HF_HUB_OFFLINE:
        if isinstance(try_to_load_from_cache(repo, "config.json"), str):
            return repo
        raise InputError(
            f"RETRAIN_BASE_MODEL: {repo} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) and "
            "HF_HUB_OFFLINE is set: download it once online (hf download " + repo + "), or unset HF_HUB_OFFLINE"
        )
    site = (endpoint or constants.ENDPOINT).rstrip("/")
    try:
        info = HfApi(endpoint=site, token=token or False).model_info(repo)
        get_hf_file_metadata(hf_hub_url(repo, "config.json", revision=info.sha, endpoint=site), token=token or False)
    except GatedRepoError:
        who = "the account of HF_TOKEN" if token else "your account, then set HF_TOKEN to a token of it"
        raise InputError(
            f"RETRAIN_BASE_MODEL: {repo} is gated: accept its conditions at {site}/{repo} with {who}"
        ) from None
    except RepositoryNotFoundError as err:
        status = err.response.status_code if err.response is not None else None
        if not token:
            raise InputError(
                f"RETRAIN_BASE_MODEL: {repo} was not found on {site}, or it is private: no HF_TOKEN is set, and a "
                "private model needs a token that can read it. Check the id, or set HF_TOKEN"
            ) from None
        raise InputError(
            f"RETRAIN_BASE_MODEL: no model {repo} on {site}"
            + (" that HF_TOKEN can read" if status in (401, 403) else "")
            + ": check the id (owner/name); if it is private, HF_TOKEN's account needs read access to it"
        ) from None
    except (EntryNotFoundError, RevisionNotFoundError):
        raise InputError(
            f"RETRAIN_BASE_MODEL: {repo} has no config.json: it is not a transformers model this trainer can load"
        ) from None
    except HfHubHTTPError as err:
        # A server error or rate limit: not the pipeline's fault, so not exit 2; the backend retries.
        raise RuntimeError(f"cannot check {repo} on {site}: {err}") from None
    except Exception as err:  # noqa: BLE001 - the network (refused, timed out): retryable, exit 1
        raise RuntimeError(f"cannot reach {site} to check {repo}: {type(err).__name__}: {err}") from None
    return repo
