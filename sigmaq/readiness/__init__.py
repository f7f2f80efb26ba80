"""Readiness: can a CloudTrail trail or event data store see what the pack needs?

Owns, from exported configuration only (no AWS call is ever made):

- ``selectors``: CloudTrail event selectors (basic and advanced) as frozen values, their
  evaluation against an event profile with three-valued logic, and the conversion of basic
  selectors to the equivalent advanced form;
- ``exports``: reading the JSON of ``aws cloudtrail describe-trails``, ``get-trail-status``,
  ``get-event-selectors``, ``get-event-data-store`` (and the extra exports the Amazon Q
  checks use) from files or folders, every unreadable file reported, never fatal;
- ``needs``: what each rule needs logged (management/data events, resources.type, readOnly),
  read from its parsed condition, the API catalogue and its ``sigmaq.data_events``;
- ``assess``: per-rule verdicts (ready, partial, blind, unknown) with what is missing, and a
  summary line per playbook step and analysis question;
- ``fix``: the advanced event selectors that enable exactly the missing data events, merged
  with the existing ones, as ``put-event-selectors`` JSON, CloudFormation and Terraform;
- ``prowler``: Prowler's OCSF JSON findings mapped to the playbook's preparation items;
- ``amazonq``: the Amazon Q-specific preparation checks Prowler lacks.

May import: ``core``, ``replay`` (the architecture test allows no other sigmaq subpackage).
"""
