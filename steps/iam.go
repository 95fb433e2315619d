package steps

import "github.com/vpclink/vpclink/awsops"

// IAMScope is what the plan asks of IAM: its region, and the parts of the chain it has, so
// that `vpclink iam-policy --plan` leaves out what the plan never does.
func (p *Plan) IAMScope() awsops.Scope {
	s := awsops.Scope{Region: p.Region}
	if p.LoadBalancer.Existing == "" {
		s.Features |= awsops.FeatureNewLoadBalancer
		if p.SecurityGroups.Mode == "" || p.SecurityGroups.Mode == ModeNLBIPs {
			s.Features |= awsops.FeatureNLBIPs
		}
	}
	if p.VPCLink.Existing == "" {
		s.Features |= awsops.FeatureNewVPCLink
	}
	if p.API.Existing == "" {
		s.Features |= awsops.FeatureNewRestAPI
	} else {
		s.Features |= awsops.FeatureReusedRestAPI
	}
	if p.API.Authorization == AuthAPIKey {
		s.Features |= awsops.FeatureAPIKey
	}
	return s
}
