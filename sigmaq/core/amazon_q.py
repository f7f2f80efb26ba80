"""The Amazon Q pack's vocabulary: detection catalogue items and playbook keys.

These are the values the ``sigmaq:`` block of a pack rule may name
(``catalogue``, ``playbook``; CONTRIBUTING.md "The sigmaq: block"). They come from
the project's research brief (detection catalogue AQ-01 ... AQ-36; AQ-37 ... AQ-42
are the attack paths the rule-pack review of issue 14 found uncovered) and the AWS
incident-response playbook for Amazon Q (steps 4-7, analysis questions 1-6), kept
here as constants so validation, scaffolding and the coverage pages run offline.
"""

from __future__ import annotations

CATALOGUE: tuple[tuple[str, str], ...] = (
    ("AQ-01", "Q Business application created with anonymous access"),
    ("AQ-02", "Anonymous web-experience URL minting burst"),
    ("AQ-03", "Custom or unauthenticated Q Business plugin created or changed"),
    ("AQ-04", "Q Business plugin action executed from chat"),
    ("AQ-05", "Q Business chat controls weakened"),
    ("AQ-06", "Q Business chat controls deleted"),
    ("AQ-07", "Q Business data accessor (ISV) granted or changed"),
    ("AQ-08", "Q Business application resource policy grants access"),
    ("AQ-09", "Cross-account retrieval from the Q index"),
    ("AQ-10", "Risky data-source configuration"),
    ("AQ-11", "Direct document injection into a Q index"),
    ("AQ-12", "Mass destruction of Q Business resources"),
    ("AQ-13", "Web-experience identity provider or embedding changed"),
    ("AQ-14", "Q Business application settings loosened"),
    ("AQ-15", "Index ACL / user-alias manipulation"),
    ("AQ-16", "Conversation / attachment purge"),
    ("AQ-17", "Q Business / Q Connect log delivery removed"),
    ("AQ-18", "Q Business configuration reconnaissance"),
    ("AQ-19", "High-volume chat extraction by one identity"),
    ("AQ-20", "Q App shared, published or verified"),
    ("AQ-21", "Destructive AWS API call made by an Amazon Q agent"),
    ("AQ-22", "Agent-style multi-account wipe pattern"),
    ("AQ-23", "Mutating AWS call through a Q agent (governance)"),
    ("AQ-24", "Q console agent performing write actions on the user's behalf"),
    ("AQ-25", "Access-denied burst from a Q agent"),
    ("AQ-26", "Q Developer customization created or widened"),
    ("AQ-27", "Q Developer profile changed or deleted"),
    ("AQ-28", "Q Developer prompt-log sink tampering"),
    ("AQ-29", "Third-party plugin or OAuth connection registered in Q Developer"),
    ("AQ-30", "Q Developer profile assignment / subscription changes"),
    ("AQ-31", "Q Developer in chat apps channel given powerful role or loosened"),
    ("AQ-32", "Amazon Q in Connect guardrail, prompt or agent tampering"),
    ("AQ-33", "CloudTrail coverage of Amazon Q reduced"),
    ("AQ-34", "Persistence right after Q admin changes"),
    ("AQ-35", "Trust policy created or changed for Amazon Q service principals"),
    ("AQ-36", "Root user administering Amazon Q"),
    ("AQ-37", "Q agent reading secrets or minting credentials"),
    ("AQ-38", "MCP and tool-permission settings of Q Developer"),
    ("AQ-39", "Q Business identity-side access changes"),
    ("AQ-40", "Bulk document retrieval by another account"),
    ("AQ-41", "Q Apps session data exported"),
    ("AQ-42", "Q in QuickSight and Q in Connect administration"),
)
CATALOGUE_IDS = tuple(item for item, _ in CATALOGUE)

# Playbook vocabulary of the ``sigmaq.playbook`` key (playbook.md).
PLAYBOOK_STEPS: tuple[tuple[str, str], ...] = (
    ("step-4", "Detect and analyse unrecognised API events in CloudTrail"),
    ("step-5", "Detect and analyse unrecognised events in CloudWatch"),
    ("step-6", "Delete or rotate IAM user keys"),
    ("step-7", "Delete or rotate unrecognised resources"),
)
PLAYBOOK_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("q1", "Which resources were created and deleted?"),
    ("q2", "Which plugins were used?"),
    ("q3", "Which applications could Q access during the incident?"),
    ("q4", "Did Q access those applications?"),
    ("q5", "What kinds of files were uploaded to Q?"),
    ("q6", "Can Q reach any IDE environment?"),
)
PLAYBOOK_KEYS = tuple(k for k, _ in PLAYBOOK_STEPS + PLAYBOOK_QUESTIONS)


# Components whose rules support containment (IAM, CloudTrail) rather than
# implementing a catalogue item: the only ones allowed an empty ``catalogue``.
CATALOGUE_OPTIONAL_COMPONENTS = ("containment",)
