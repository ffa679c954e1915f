"""`compose.yaml` and the `Dockerfile`, the docs' `docker compose up --build`: no Docker engine
runs here (and images come from Docker Hub, which these machines cannot reach), so what can
drift is checked instead: every command they run is a real `treaty-api` command, every
variable they set is a setting (or one its libraries read), every file they copy or mount
exists, and every path a health check asks for answers."""

import json
import re
import shlex

import yaml
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from tests.cli_usage import assert_real_command

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
LIBRARY_VARIABLES = {"FORWARDED_ALLOW_IPS", "PGPASSWORD", "PYTHONDONTWRITEBYTECODE"}
"""Read by uvicorn, psql and Python rather than by the app's settings."""
OURS = {name: spec for name, spec in COMPOSE["services"].items() if "build" in spec}


def treaty_api_commands() -> list[list[str]]:
    """Each `treaty-api ...` the containers run: the services' commands and the image's CMD."""
    commands = []
    for spec in OURS.values():
        command = spec["command"]
        script = command[-1] if command[:2] == ["sh", "-c"] else shlex.join(command)
        commands += [shlex.split(part) for part in script.split("&&")]
    commands.append(json.loads(DOCKERFILE.split("\nCMD ")[1]))
    return commands


def test_the_containers_run_real_commands() -> None:
    commands = treaty_api_commands()
    assert ["treaty-api", "db", "upgrade"] in commands
    for command in commands:
        assert command[0] == "treaty-api", command
        subcommand = [word for word in command[1:] if re.fullmatch(r"[a-z]+", word)][:2]
        assert_real_command(subcommand, [word for word in command if word.startswith("--")])


def test_the_containers_set_only_known_variables() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    for spec in OURS.values():
        unknown = set(spec["environment"]) - settings - LIBRARY_VARIABLES
        assert unknown == set(), unknown


def test_what_is_copied_or_mounted_exists() -> None:
    copied = [
        word
        for line in DOCKERFILE.splitlines()
        if line.startswith("COPY ")
        for word in line.split()[1:-1]
    ]
    mounted = [
        volume.split(":")[0]
        for spec in COMPOSE["services"].values()
        for volume in spec.get("volumes", [])
        if volume.startswith("./")
    ]
    assert "app" in copied and "./deploy/Caddyfile" in mounted
    for path in copied + mounted:
        assert (PROJECT_ROOT / path).exists(), path


def test_the_health_checks_ask_for_paths_that_answer(client: TestClient) -> None:
    checks = [
        " ".join(spec["healthcheck"]["test"]) for spec in OURS.values() if "healthcheck" in spec
    ]
    caddyfile = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text()
    paths = re.findall(r"http://127\.0\.0\.1:8000(/[a-z]+)", " ".join(checks) + DOCKERFILE)
    paths += re.findall(r"health_uri (/[a-z]+)", caddyfile)
    assert {"/ready", "/health"} <= set(paths)
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_the_proxy_forwards_to_the_api_services() -> None:
    caddyfile = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text()
    upstreams = set(re.findall(r"\b(api\d+):8000", caddyfile))
    assert upstreams == {name for name in OURS if name.startswith("api")}
