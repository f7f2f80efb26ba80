"""User-agent strings of the fixtures' callers.

Shapes follow botocore's ``useragent.py`` (AWS CLI v2 and boto3), real browser strings, and the
Amazon Q markers of the Amazon Q CloudTrail brief §6: the Q CLI and IDE agents run the AWS CLI with
``AWS_EXECUTION_ENV`` set, which the CLI writes as ``exec-env/AmazonQ-For-...``.
"""

from __future__ import annotations

from dataclasses import dataclass

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
WINDOWS_EDGE = f"{WINDOWS_CHROME} Edg/131.0.0.0"
BOTO3 = (
    "Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 "
    "md/arch#x86_64 lang/python#3.12.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.90"
)

Q_CLI_VERSION = "1.12.4"
Q_IDE_VERSION = "1.94.0"
Q_CLI_ENV = f"AmazonQ-For-CLI-Version-{Q_CLI_VERSION}"
Q_IDE_ENV = f"AmazonQ-For-IDE-Version-{Q_IDE_VERSION}"
Q_CLI_SDK = (
    "aws-sdk-rust/1.3.9 ua/2.1 api/codewhispererstreaming/0.1.11532 os/linux lang/rust/1.87.0 "
    f"md/appVersion-{Q_CLI_VERSION} app/AmazonQ-For-CLI"
)

COMMAND = (
    "{cmd}"  # placeholder a Caller's user agent carries; filled per call (Caller.user_agent_for)
)


@dataclass(frozen=True)
class CliBuild:
    """One installed AWS CLI v2: the version fields its user agent carries."""

    version: str
    awscrt: str
    kernel: str
    python: str

    def user_agent(self, command: str, exec_env: str | None = None) -> str:
        """The CLI's user agent for ``command`` (``service.operation-name``, e.g. ``s3.rm``).

        ``exec_env`` is the sanitised ``AWS_EXECUTION_ENV`` (botocore ``useragent.py``); the
        Amazon Q agents set it, which is how their calls are told apart from a person's.
        """
        env = f" exec-env/{exec_env}" if exec_env else ""
        return (
            f"aws-cli/{self.version} md/awscrt#{self.awscrt} ua/2.1 os/linux#{self.kernel} "
            f"md/arch#x86_64 lang/python#{self.python} md/pyimpl#CPython{env} m/E "
            "cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off "
            f"md/command#{command}"
        )


CLI_ON_EC2 = CliBuild("2.22.35", "0.23.8", "6.8.0-1021-aws", "3.12.9")  # Q Business operators
CLI_ON_LAPTOP = CliBuild("2.27.50", "0.26.1", "6.8.0-60-generic", "3.13.4")  # agents, containment
