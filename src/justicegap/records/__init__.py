"""Local mode: a force's and a CPS Area's own case records, followed from report to verdict.

Published data only allow ratios between different populations; case records let the same
offences be followed through every stage. One module per job: ``schema`` (the Table Schemas),
``validate`` (reading and checking files), ``pseudonymise`` (keyed hashes), ``load`` (one
transaction per load), ``link`` (police records to CPS cases), ``measures`` and ``survival``
(cohort rates, time to event), ``reconcile`` (against the Home Office outcomes edition),
``sample`` (case review), ``synth`` (synthetic records), ``access`` (tokens and the audit log),
``charts`` (Vega-Lite). All SQL for records is in ``store``. The registry's record-based metrics
(``get``, ``compare``, ``report``) are computed from these in ``justicegap.metrics.from_records``.
"""
