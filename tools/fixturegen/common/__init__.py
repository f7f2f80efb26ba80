"""Building blocks shared by both fixture generators.

``identities`` (accounts, ``userIdentity`` blocks, :class:`~.identities.Caller`), ``user_agents``
(AWS CLI, SDK, browser and Amazon Q marker strings), ``records`` (one CloudTrail record in
CloudTrail's key order), ``ids`` (reproducible uuid4-shaped identifiers), ``service_models``
(request parameters checked against botocore) and ``output`` (write or ``--check`` the files).
"""
