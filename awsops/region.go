package awsops

import (
	"fmt"
	"regexp"
)

// regionRe is the union of the region name patterns of AWS's partitions (aws, aws-cn,
// aws-us-gov, aws-iso*, aws-eusc), as the SDK's endpoint rules list them, with lower-case
// words: us-east-1, cn-north-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
var regionRe = regexp.MustCompile(`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]{1,2}|cn-[a-z]+-[0-9]{1,2}|eusc-de-[a-z]+-[0-9]{1,2}|us-(?:gov|iso|isob|isof)-[a-z]+-[0-9]{1,2}|eu-isoe-[a-z]+-[0-9]{1,2})$`)

// CheckRegion refuses a name that no AWS region has. A region name ends up in endpoint host
// names and in the demo account's file name, so it is checked before any use.
func CheckRegion(region string) error {
	if len(region) > 32 || !regionRe.MatchString(region) {
		return fmt.Errorf("%q is not an AWS region: region names look like us-east-1 or eu-west-2 (aws ec2 describe-regions --all-regions lists them)", region)
	}
	return nil
}
