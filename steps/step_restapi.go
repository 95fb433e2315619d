package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDRestAPI names the step that creates the REST API.
const IDRestAPI = "create-rest-api"

// Messages of the REST API step.
const (
	fmtAPIStart  = "Creating REST API %s."
	fmtAPIDone   = "Created REST API %s (%s)."
	fmtAPIFailed = "Failed to create REST API %s"
)

// restAPIStep creates the REST API, or uses the one the plan names.
type restAPIStep struct{ acct *awsops.Account }

func (restAPIStep) ID() string         { return IDRestAPI }
func (restAPIStep) Title() string      { return "REST API" }
func (restAPIStep) Applies(*Plan) bool { return true }

// Do uses the recorded REST API, or adopts one tagged with the run, or creates it.
func (s restAPIStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	if res.RestAPIID != "" {
		a, err := s.acct.GetRestAPI(ctx, res.RestAPIID)
		switch {
		case err == nil:
			rep.Stop(fmt.Sprintf("Using REST API %s (%s).", a.Name, a.ID))
			return nil
		case !awsops.IsNotFound(err) || res.RestAPIReused:
			return err
		}
		rep.Status("the recorded REST API " + res.RestAPIID + " is gone; creating it again")
	}
	tagged, err := apisByTag(ctx, s.acct, run.ID())
	if err != nil {
		return err
	}
	if len(tagged) > 0 {
		a := tagged[0]
		if err := run.Record(func(r *Resources) { r.RestAPIID = a.ID }); err != nil {
			return err
		}
		rep.Stop(adoptedNote("REST API", a.ID, withDuplicates("", tagged[1:], apiID), run.ID()))
		return nil
	}
	name := apiName(p)
	rep.Start(fmt.Sprintf(fmtAPIStart, name))
	a, err := s.acct.CreateRestAPI(ctx, name, p.API.EndpointType, tags(run))
	if err != nil {
		return awsops.Failed(err, fmtAPIFailed, name)
	}
	// A new API has none of what the journal says the old one had.
	if err := run.Record(func(r *Resources) {
		r.RestAPIID, r.ProxyResourceID, r.Methods, r.RootMethods, r.DeploymentID, r.Stage = a.ID, "", nil, nil, "", ""
	}); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtAPIDone, name, a.ID))
	return nil
}

// Undo deletes the run's REST APIs with their resources and stages; a reused API stays.
func (s restAPIStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if res.RestAPIReused {
		return nil
	}
	tagged, err := apisByTag(ctx, s.acct, run.ID())
	if err != nil {
		return err
	}
	for _, id := range withDuplicates(res.RestAPIID, tagged, apiID) {
		rep.Start("Deleting REST API " + id + " with its resources and stages.")
		if err := s.acct.DeleteRestAPI(ctx, id); err != nil {
			return err
		}
	}
	return run.Record(func(r *Resources) {
		r.RestAPIID, r.ProxyResourceID, r.Methods, r.RootMethods, r.DeploymentID, r.Stage = "", "", nil, nil, "", ""
	})
}

func apiName(p *Plan) string { return cmpOr(p.API.Name, p.Name) }
