package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDAPIKey names the step that creates the API key and its usage plan.
const IDAPIKey = "create-api-key"

// Messages of the API key step.
const (
	fmtKeyStart     = "Creating API key %s."
	fmtKeyDone      = "Created API key %s (%s)."
	fmtKeyFailed    = "Failed to create API key %s"
	fmtUPStart      = "Creating usage plan %s."
	fmtUPDone       = "Created usage plan %s (%s)."
	fmtUPFailed     = "Failed to create usage plan %s"
	fmtAttachStart  = "Attaching API key %s to usage plan %s."
	fmtAttachDone   = "Attached API key %s to usage plan %s."
	fmtAttachFailed = "Failed to attach API key %s to usage plan %s"
)

// apiKeyStep creates the API key and the usage plan the key is attached to.
type apiKeyStep struct{ acct *awsops.Account }

func (apiKeyStep) ID() string           { return IDAPIKey }
func (apiKeyStep) Title() string        { return "API key and usage plan" }
func (apiKeyStep) Applies(p *Plan) bool { return p.API.Authorization == AuthAPIKey }

// Do makes three idempotent actions, each found again on resume: the API key, the
// usage plan, and the key's attachment to the plan (a call of its own, so that a crash
// between the plan and the attachment, or a plan found by its tag, still ends attached).
func (s apiKeyStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	name := keyName(run.ID())
	keyID := res.APIKeyID
	if keyID == "" {
		k, found, err := s.acct.FindAPIKey(ctx, name, awsops.TagRun, run.ID())
		if err != nil {
			return err
		}
		if found {
			keyID = k.ID
			rep.Stop("Found API key " + keyID + " from an earlier attempt.")
		} else {
			rep.Start(fmt.Sprintf(fmtKeyStart, name))
			k, err = s.acct.CreateAPIKey(ctx, name, tags(run))
			if err != nil {
				return awsops.Failed(err, fmtKeyFailed, name)
			}
			keyID = k.ID
			// The key's value is a secret: it is not recorded; `aws apigateway get-api-key
			// --include-value` shows it to whoever may see it.
		}
		if err := run.Record(func(r *Resources) { r.APIKeyID = keyID }); err != nil {
			return err
		}
		if !found {
			rep.Stop(fmt.Sprintf(fmtKeyDone, name, keyID))
		}
	}
	planID := res.UsagePlanID
	if planID == "" {
		id, found, err := s.acct.FindUsagePlan(ctx, name, awsops.TagRun, run.ID())
		if err != nil {
			return err
		}
		if found {
			rep.Stop("Found usage plan " + id + " from an earlier attempt.")
		} else {
			rep.Start(fmt.Sprintf(fmtUPStart, name))
			id, err = s.acct.CreateUsagePlan(ctx, name, res.RestAPIID, p.Stage.Name, p.Stage.Throttling.Rate, p.Stage.Throttling.Burst, tags(run))
			if err != nil {
				return awsops.Failed(err, fmtUPFailed, name)
			}
			rep.Stop(fmt.Sprintf(fmtUPDone, name, id))
		}
		planID = id
		if err := run.Record(func(r *Resources) { r.UsagePlanID = id }); err != nil {
			return err
		}
	}
	attached, err := s.acct.UsagePlanHasKey(ctx, planID, keyID)
	if err != nil {
		return err
	}
	if attached {
		rep.Stop(fmt.Sprintf("API key %s is attached to usage plan %s.", keyID, planID))
		return nil
	}
	rep.Start(fmt.Sprintf(fmtAttachStart, keyID, planID))
	if err := s.acct.AttachUsagePlanKey(ctx, planID, keyID); err != nil {
		return awsops.Failed(err, fmtAttachFailed, keyID, planID)
	}
	rep.Stop(fmt.Sprintf(fmtAttachDone, keyID, planID))
	return nil
}

// Undo deletes the run's usage plans, then its API keys, those found by the run's tag too.
func (s apiKeyStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	name := keyName(run.ID())
	plans, err := s.acct.FindUsagePlans(ctx, name, awsops.TagRun, run.ID())
	if err != nil {
		return err
	}
	for _, planID := range withDuplicates(res.UsagePlanID, plans, func(id string) string { return id }) {
		rep.Start("Deleting usage plan " + planID + ".")
		if err := s.acct.DeleteUsagePlan(ctx, planID); err != nil {
			return err
		}
	}
	if err := run.Record(func(r *Resources) { r.UsagePlanID = "" }); err != nil {
		return err
	}
	keys, err := s.acct.FindAPIKeys(ctx, name, awsops.TagRun, run.ID())
	if err != nil {
		return err
	}
	for _, keyID := range withDuplicates(res.APIKeyID, keys, func(k awsops.APIKey) string { return k.ID }) {
		rep.Start("Deleting API key " + keyID + ".")
		if err := s.acct.DeleteAPIKey(ctx, keyID); err != nil {
			return err
		}
	}
	return run.Record(func(r *Resources) { r.APIKeyID = "" })
}
