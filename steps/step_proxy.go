package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDProxyResource names the step that creates the /{proxy+} resource.
const IDProxyResource = "create-proxy-resource"

// Messages of the proxy resource step.
const (
	fmtResStart  = "Creating resource /{proxy+} in %s."
	fmtResDone   = "Created resource /{proxy+} (%s)."
	fmtResFailed = "Failed to create resource /{proxy+} in %s"
)

// proxyResourceStep creates the /{proxy+} resource under the API's root.
type proxyResourceStep struct{ acct *awsops.Account }

func (proxyResourceStep) ID() string         { return IDProxyResource }
func (proxyResourceStep) Title() string      { return "Proxy resource" }
func (proxyResourceStep) Applies(*Plan) bool { return true }

// Do adopts the API's /{proxy+} when it is the run's, or creates it.
func (s proxyResourceStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	rs, err := s.acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	if r, ok := rs["/{proxy+}"]; ok {
		// It is this run's on an API the run made, when recorded, or when the run set out to
		// create it (the create's answer was lost: a crash, a retried call).
		if !res.RestAPIReused || res.ProxyResourceID == r.ID || res.ProxyCreating {
			if err := run.Record(func(x *Resources) { x.ProxyResourceID = r.ID }); err != nil {
				return err
			}
		}
		rep.Stop("Using resource /{proxy+} (" + r.ID + ").")
		return nil
	}
	root, ok := rs["/"]
	if !ok {
		return awsops.Failed(errors.New("the API has no root resource"), fmtResFailed, res.RestAPIID)
	}
	rep.Start(fmt.Sprintf(fmtResStart, res.RestAPIID))
	if err := run.Record(func(x *Resources) { x.ProxyCreating = true }); err != nil {
		return err
	}
	r, err := s.acct.CreateResource(ctx, res.RestAPIID, root.ID, "{proxy+}")
	if err != nil {
		return awsops.Failed(err, fmtResFailed, res.RestAPIID)
	}
	if err := run.Record(func(x *Resources) { x.ProxyResourceID = r.ID }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtResDone, r.ID))
	return nil
}

// Undo deletes the /{proxy+} the run added to a reused API; deleting an API the run made
// deletes its resources.
func (s proxyResourceStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if !res.RestAPIReused || (res.ProxyResourceID == "" && !res.ProxyCreating) {
		return nil // deleting the API deletes the resource
	}
	id := res.ProxyResourceID
	if id == "" {
		// This run set out to create /{proxy+}: one that is there is its own, made
		// by a create whose id never reached the journal.
		rs, err := s.acct.ListResources(ctx, res.RestAPIID)
		if err != nil && !awsops.IsNotFound(err) {
			return err
		}
		id = rs["/{proxy+}"].ID
	}
	if id != "" {
		rep.Start("Deleting resource /{proxy+} from " + res.RestAPIID + ".")
		if err := s.acct.DeleteResource(ctx, res.RestAPIID, id); err != nil {
			return err
		}
	}
	return run.Record(func(r *Resources) { r.ProxyResourceID, r.Methods, r.ProxyCreating = "", nil, false })
}
