"""The Splunk target family: an app that installs clean, and a model of Splunk to prove it.

- ``backend``: the pySigma Splunk backend with sigmaq's fixes, the source macro,
  and correlations as sliding windows (``streamstats time_window``), ``temporal_ordered``
  included;
- ``settings``: every ``savedsearches.conf`` key of a rule's stanza (schedule, dispatch
  window, throttling, Enterprise Security actions, annotations), checked against the
  keys ``savedsearches.conf.spec`` defines;
- ``app``: the app folder and its ``.tgz`` (``app.conf``, ``savedsearches.conf``,
  ``macros.conf``, ``metadata/default.meta``, ``README``);
- ``spl_parser``, ``spl_eval``, ``events``: a test-grade model of Splunk for the SPL
  sigmaq emits, over CloudTrail records shaped as the Splunk Add-on for AWS indexes
  them; it raises on anything outside that subset;
- ``package``: the ``splunk`` packager of ``sigmaq build`` (writes the app and
  ``PROOF.md``).

May import: ``sigmaq.core``, ``sigmaq.replay`` and the rest of ``sigmaq.export``.
"""
