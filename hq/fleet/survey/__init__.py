"""The survey editor's domain (issue 29): a survey as the editor writes it, checked by the
kiosk's own settings model (:mod:`.draft`); where it is published, who may publish there
and the versions it gets (:mod:`.scopes`, :mod:`.publish`); campaigns that run another
survey for a while (:mod:`.campaigns`); what a kiosk gets when it asks, from what is
published to the part of the chain it is in then (:mod:`.resolve`). The standing survey
of each store or device and what a device is sent today are in :mod:`hq.fleet.surveys`,
which all of these use."""
