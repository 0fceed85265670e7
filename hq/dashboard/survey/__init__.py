"""The survey editor's pages (issue 29): edit the question, the scale, the follow-up
prompt and reasons with their pictograms and the thank-you text; preview the kiosk's
screens; publish to a part of the chain or schedule a campaign (:mod:`.pages`); the form's
fields and the preview's screens (:mod:`.form`). The domain is :mod:`hq.fleet.survey`."""
