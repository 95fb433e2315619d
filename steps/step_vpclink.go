package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

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

	// Replacing a link that cannot serve: deleted first, or, while the stage still uses it
	// (AWS refuses to delete it then), kept until the stage names the new one.
	fmtLinkReplaceStart  = "Replacing VPC link %s, which %s."
	fmtLinkReplaceDone   = "Replaced VPC link %s with %s."
	fmtLinkReplaceFailed = "Failed to replace VPC link %s"
	fmtLinkReplaceLater  = "VPC link %s is still in use by the stage, so AWS keeps it: creating the new link first; the stage moves to it, then %s is deleted."
	fmtLinkReleaseStart  = "Taking VPC link %s off stage %s of %s and deleting it: AWS keeps the load balancer for it, and it serves nothing."
)

// vpcLinkStep creates the VPC link to the load balancer and waits until it is AVAILABLE.
type vpcLinkStep struct{ acct *awsops.Account }

func (vpcLinkStep) ID() string         { return IDVPCLink }
func (vpcLinkStep) Title() string      { return "VPC link" }
func (vpcLinkStep) Applies(*Plan) bool { return true }

// Do adopts the recorded link, or one tagged with the run that targets its load balancer,
// or creates one; a link that is gone, deleting, FAILED or to another load balancer is
// replaced. One the deployed stage still uses is replaced make-before-break: it is recorded
// as superseded, for the deploy step to delete once the stage names the new link.
func (s vpcLinkStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	name := linkName(run.ID())
	id := res.VPCLinkID
	replaced := "" // the link this attempt replaces
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
		case !res.VPCLinkReused && (l.Status == "FAILED" || !linkServes(l, res.LoadBalancerARN)):
			// A FAILED link never recovers, and a link to another load balancer cannot serve
			// this run: make a new one, deleting the old one first when AWS lets us.
			why := "ended FAILED (" + l.StatusMessage + ")"
			if l.Status != "FAILED" {
				why = "targets " + strings.Join(l.TargetARNs, ", ") + ", not the run's load balancer"
			}
			replaced = id
			rep.Start(fmt.Sprintf(fmtLinkReplaceStart, id, why))
			err := s.acct.DeleteVPCLink(ctx, id)
			switch {
			case awsops.IsVPCLinkInUse(err):
				// The deployed stage still names it: make-before-break. The deploy step moves
				// the stage to the new link, then deletes this one; undo deletes it too.
				old := id
				if err := run.Record(func(r *Resources) {
					if !slices.Contains(r.SupersededLinks, old) {
						r.SupersededLinks = append(r.SupersededLinks, old)
					}
					r.VPCLinkID = ""
				}); err != nil {
					return err
				}
				rep.Stop(fmt.Sprintf(fmtLinkReplaceLater, old, old))
			case err != nil:
				return awsops.Failed(err, fmtLinkReplaceFailed, id)
			default:
				if err := s.acct.WaitVPCLinkDeleted(ctx, id, rep.Status); err != nil {
					return err
				}
				if err := run.Record(func(r *Resources) { r.VPCLinkID = "" }); err != nil {
					return err
				}
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
		superseded := run.Resources().SupersededLinks
		for _, l := range tagged {
			if slices.Contains(superseded, l.ID) {
				continue // replaced, and deleted once the stage no longer uses it
			}
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
		if held, ok := awsops.IsLoadBalancerLinked(err); ok && slices.Contains(run.Resources().SupersededLinks, held) {
			// The link being replaced still holds the load balancer: it cannot be made
			// before the old one breaks, so the old one goes first.
			if err := s.release(ctx, run, held, rep); err != nil {
				return err
			}
			rep.Start(fmt.Sprintf(fmtLinkStart, name))
			l, err = s.acct.CreateVPCLink(ctx, name, res.LoadBalancerARN, tags(run))
		}
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
	if replaced != "" {
		rep.Stop(fmt.Sprintf(fmtLinkReplaceDone, replaced, id))
	}
	return nil
}

// release deletes a superseded link that still holds the run's load balancer, so that a new
// link can be made to it: the stage's VPCLink variable, which names it, is removed first
// (the link is FAILED or targets elsewhere, so the stage loses nothing), and the deploy step
// sets the variable to the new link.
func (s vpcLinkStep) release(ctx context.Context, run *Run, old string, rep Reporter) error {
	res := run.Resources()
	stage := cmpOr(res.Stage, run.Plan().Stage.Name)
	rep.Start(fmt.Sprintf(fmtLinkReleaseStart, old, stage, res.RestAPIID))
	if res.RestAPIID != "" {
		if err := s.acct.UnsetStageVariable(ctx, res.RestAPIID, stage, awsops.StageVarLink); err != nil && !awsops.IsNotFound(err) {
			return awsops.Failed(err, fmtLinkReplaceFailed, old)
		}
	}
	if err := s.acct.DeleteVPCLink(ctx, old); err != nil {
		return awsops.Failed(err, fmtLinkReplaceFailed, old)
	}
	if err := s.acct.WaitVPCLinkDeleted(ctx, old, rep.Status); err != nil {
		return awsops.Failed(err, fmtLinkReplaceFailed, old)
	}
	return forgetSuperseded(run, old)
}

// forgetSuperseded records that superseded link old is deleted.
func forgetSuperseded(run *Run, old string) error {
	return run.Record(func(r *Resources) {
		r.SupersededLinks = slices.DeleteFunc(r.SupersededLinks, func(id string) bool { return id == old })
	})
}

// Undo deletes the run's VPC links, those it replaced, the recorded one and any other tagged
// with the run, and waits until each is gone: the load balancer cannot be deleted before.
func (s vpcLinkStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if res.VPCLinkReused {
		return nil
	}
	// Links this run replaced while the stage used them: the stage is undone by now.
	for _, old := range res.SupersededLinks {
		rep.Start("Deleting VPC link " + old + ", which this run replaced.")
		if err := s.acct.DeleteVPCLink(ctx, old); err != nil {
			return err
		}
		if err := s.acct.WaitVPCLinkDeleted(ctx, old, rep.Status); err != nil {
			return err
		}
		if err := forgetSuperseded(run, old); err != nil {
			return err
		}
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

// linkServes reports whether a link targets the run's load balancer; a link whose targets
// are not known yet is given the benefit of the doubt.
func linkServes(l awsops.VPCLink, lbARN string) bool {
	return lbARN == "" || len(l.TargetARNs) == 0 || slices.Contains(l.TargetARNs, lbARN)
}
