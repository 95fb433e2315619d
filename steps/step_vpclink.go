package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/vpclink/vpclink/awsops"
)

// IDVPCLink names the step that creates the VPC link to the load balancer.
const IDVPCLink = "create-vpc-link"

// Messages of the VPC link step.
const (
	fmtLinkStart  = "Creating VPC link %s."
	fmtLinkWait   = "Waiting for VPC link %s to become AVAILABLE (this takes minutes)."
	fmtLinkDone   = "VPC link %s is AVAILABLE."
	fmtLinkFailed = "Failed to create VPC link %s"
)

// vpcLinkStep creates the VPC link to the load balancer and waits until it is AVAILABLE.
type vpcLinkStep struct{ acct *awsops.Account }

func (vpcLinkStep) ID() string         { return IDVPCLink }
func (vpcLinkStep) Title() string      { return "VPC link" }
func (vpcLinkStep) Applies(*Plan) bool { return true }

// Do adopts the recorded link, or one tagged with the run that targets its load balancer,
// or creates one; a link that is gone, deleting or FAILED is replaced.
func (s vpcLinkStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	name := linkName(run.ID())
	id := res.VPCLinkID
	if id != "" {
		l, err := s.acct.GetVPCLink(ctx, id)
		switch {
		case awsops.IsNotFound(err) && !res.VPCLinkReused:
			rep.Status("the recorded VPC link " + id + " is gone; creating it again")
			id = ""
		case err != nil:
			return err
		case l.Status == "DELETING" && !res.VPCLinkReused:
			// A rollback stopped after it asked AWS to delete the link: a deleting link
			// cannot be used again, so wait until it is gone, then make a new one.
			rep.Start("Waiting for VPC link " + id + ", which an earlier rollback is deleting, to be gone before creating a new one.")
			if err := s.acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
				return err
			}
			if err := run.Record(func(r *Resources) { r.VPCLinkID = "" }); err != nil {
				return err
			}
			id = ""
		case l.Status == "FAILED" && !res.VPCLinkReused:
			// A FAILED link never recovers: delete it, then make a new one.
			rep.Start("Deleting VPC link " + id + ", which ended FAILED (" + l.StatusMessage + "), to create a new one.")
			if err := s.acct.DeleteVPCLink(ctx, id); err != nil {
				return err
			}
			if err := s.acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
				return err
			}
			if err := run.Record(func(r *Resources) { r.VPCLinkID = "" }); err != nil {
				return err
			}
			id = ""
		}
	}
	if id == "" {
		tagged, err := linksByTag(ctx, s.acct, run.ID())
		if err != nil {
			return err
		}
		// One link to this run's load balancer is adopted; a FAILED one never recovers. The
		// others are named, for destroy to delete.
		var others []string
		for _, l := range tagged {
			if id == "" && l.Status != "FAILED" && slices.Contains(l.TargetARNs, res.LoadBalancerARN) {
				id = l.ID
				continue
			}
			others = append(others, l.ID)
		}
		if id != "" {
			rep.Stop(adoptedNote("VPC link", id, others, run.ID()))
		}
	}
	if id == "" {
		rep.Start(fmt.Sprintf(fmtLinkStart, name))
		l, err := s.acct.CreateVPCLink(ctx, name, res.LoadBalancerARN, tags(run))
		if err != nil {
			return awsops.Failed(err, fmtLinkFailed, name)
		}
		id = l.ID
	}
	if err := run.Record(func(r *Resources) { r.VPCLinkID = id }); err != nil {
		return err
	}
	rep.Start(fmt.Sprintf(fmtLinkWait, id))
	if err := s.acct.WaitVPCLink(ctx, id, rep.Status); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtLinkDone, id))
	return nil
}

// Undo deletes the run's VPC links, the recorded one and any other tagged with the run,
// and waits until each is gone: the load balancer cannot be deleted before.
func (s vpcLinkStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if res.VPCLinkReused {
		return nil
	}
	// Besides the recorded link, any other tagged with the run: a create whose id
	// never reached the journal, and a retry, leave two.
	tagged, err := linksByTag(ctx, s.acct, run.ID())
	if err != nil {
		return err
	}
	var kept error
	for _, id := range withDuplicates(res.VPCLinkID, tagged, linkID) {
		if id == res.VPCLinkID {
			by, err := vpcLinkUser(run)
			if err != nil {
				return err
			}
			if by != "" {
				kept = &KeptError{RunID: run.ID(), What: "VPC link " + id, By: by}
				continue
			}
		}
		rep.Start("Deleting VPC link " + id + ".")
		if err := s.acct.DeleteVPCLink(ctx, id); err != nil {
			return err
		}
		// The load balancer cannot be deleted while the link still exists.
		if err := s.acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
			return err
		}
	}
	if kept != nil {
		return kept
	}
	return run.Record(func(r *Resources) { r.VPCLinkID = "" })
}
