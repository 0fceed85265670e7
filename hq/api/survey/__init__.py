"""The survey editor's API twin (issue 29): ``/api/v1/surveys`` and its schedules, for a
chain that keeps its surveys in code. Same functions as the editor page
(:mod:`hq.fleet.survey`), same access (:mod:`hq.people.access`)."""
