"""House validators: pySigma ``SigmaRuleValidator`` classes for sigmaq's conventions.

``house_validators()`` maps identifiers (pySigma's naming: class
``SigmaqFilenameValidator`` -> ``sigmaq_filename``) to classes. Imported lazily by
``sigmaq.validate.runner``; importing this package reads no files.
"""

from __future__ import annotations

from sigma.validators.base import SigmaRuleValidator


def house_validators() -> dict[str, type[SigmaRuleValidator]]:
    """Identifier -> class of every house validator."""
    from sigmaq.validate.house.catalog_values import SigmaqCatalogValuesValidator
    from sigmaq.validate.house.enum_case import SigmaqEnumCaseValidator
    from sigmaq.validate.house.fields import SigmaqFieldPathValidator
    from sigmaq.validate.house.fixtures import SigmaqFixturesValidator
    from sigmaq.validate.house.logsource import (
        SigmaqEventSourceConstrainedValidator,
        SigmaqLogsourceValidator,
    )
    from sigmaq.validate.house.metadata import (
        SigmaqDataEventsValidator,
        SigmaqMetadataValidator,
        SigmaqUnknownFieldValidator,
    )
    from sigmaq.validate.house.naming import SigmaqFilenameValidator, SigmaqUniqueIdentityValidator
    from sigmaq.validate.house.regex import SigmaqRegexBacktrackingValidator
    from sigmaq.validate.house.replayable import SigmaqReplayableValidator
    from sigmaq.validate.house.targets import SigmaqTargetExpressibleValidator

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
        SigmaqEnumCaseValidator,
        SigmaqReplayableValidator,
    ]
    from sigma.validators.core import validator_classname_to_identifier

    return {validator_classname_to_identifier(cls.__name__): cls for cls in classes}
