"""Investigate: answer the Amazon Q playbook's analysis questions from a CloudTrail archive.

Owns one streaming pass over the same inputs as hunt (``runner``) that runs the pack's
rules through the replay engine and feeds bounded aggregators: who acted (``identity``,
``principals``), what was created, changed and deleted (``resources``), the evidence each
of the playbook's six questions needs (``evidence``, ``questions``), whether the trail
logged the data events a question depends on (``coverage``), the IAM credential report
(``credentials``) and the containment checklist of playbook steps 6-7 with the AWS CLI
command for each item (``commands``, ``containment``). The report is one frozen value
(``model``) rendered as Markdown, a self-contained HTML page and JSON with a JSON Schema
(``render_markdown``, ``render_html``, ``render_json``).

May import: ``sigmaq.core``, ``sigmaq.replay``, ``sigmaq.hunt``.
"""
