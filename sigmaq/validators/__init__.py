"""House validators: pySigma ``SigmaRuleValidator`` classes for sigmaq's conventions.

``house_validators()`` maps identifiers (pySigma's naming: class
``SigmaqFilenameValidator`` -> ``sigmaq_filename``) to classes. Imported lazily by
``sigmaq.validation``; importing this package reads no files.
"""

from __future__ import annotations

from sigma.validators.base import SigmaRuleValidator


def house_validators() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of every house validator."""
    from sigmaq.validators.catalog_values import SigmaqCatalogValuesValidator
    from sigmaq.validators.fields import SigmaqFieldPathValidator
    from sigmaq.validators.fixtures import SigmaqFixturesValidator
    from sigmaq.validators.logsource import (
        SigmaqEventSourceConstrainedValidator,
        SigmaqLogsourceValidator,
    )
    from sigmaq.validators.metadata import (
        SigmaqDataEventsValidator,
        SigmaqMetadataValidator,
        SigmaqUnknownFieldValidator,
    )
    from sigmaq.validators.naming import SigmaqFilenameValidator, SigmaqUniqueIdentityValidator
    from sigmaq.validators.regex import SigmaqRegexBacktrackingValidator
    from sigmaq.validators.targets import SigmaqTargetExpressibleValidator

    classes: list[type[SigmaRuleValidator]] = [
        SigmaqFilenameValidator,
        SigmaqUniqueIdentityValidator,
        SigmaqLogsourceValidator,
        SigmaqEventSourceConstrainedValidator,
        SigmaqCatalogValuesValidator,
        SigmaqFieldPathValidator,
        SigmaqMetadataValidator,
        SigmaqDataEventsValidator,
        SigmaqUnknownFieldValidator,
        SigmaqFixturesValidator,
        SigmaqTargetExpressibleValidator,
        SigmaqRegexBacktrackingValidator,
    ]
    from sigma.validators.core import validator_classname_to_identifier

    return {validator_classname_to_identifier(cls.__name__): cls for cls in classes}
