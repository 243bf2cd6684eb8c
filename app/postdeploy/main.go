// Command postdeploy is the last step of deploying: it reads the deployed
// stack's outputs, invokes the uploader and the control function with a
// probe event, and prints the observed matrix. The uploader must store the
// object (through the endpoint); the control must be refused with
// AccessDenied (outside the VPC).
//
// Usage:
//
//	go run ./app/postdeploy [--stack PrivateS3-dev] [--region eu-west-1] [--role-arn ARN] [--json]
//
// Credentials and region come from the usual AWS sources (environment,
// profile, SSO). With --role-arn the check first assumes that role and
// makes every call with it: the pipeline's check step, in the pipeline's
// account, assumes the role the environment's stack made for the check
// in its own account. Each run stores one small object under probe/ in the
// bucket; the functions cannot delete it.
//
// Exit status: 0 when every observation is what the design expects (a
// stack deployed without the control passes on the uploader alone, and says
// so); 1 when the check ran and failed: the control stored its object (the
// bucket is not private), the uploader failed, or the control failed in any
// other way than an AccessDenied "with an explicit deny in a resource-based
// policy" (the bucket policy's refusal; a service control policy, a
// permissions boundary, IAM or a plain "Access Denied" prove nothing); 2
// when the check could not run: bad flags, no region or credentials, stack
// not found or unreadable.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/postdeploy/probe"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("postdeploy", "postdeploy [--stack NAME] [--region REGION] [--role-arn ARN] [--json] [--timeout 3m]", stderr)
	stack := fs.String("stack", "PrivateS3-dev", "name of the deployed stack (PrivateS3-<stage>)")
	region := fs.String("region", "", "AWS region of the stack (default: AWS_REGION or the profile's region)")
	roleArn := fs.String("role-arn", "", "assume this IAM role first and check with it (default: the caller's own credentials)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long (two synchronous invocations, each up to the functions' timeout)")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "postdeploy: unexpected argument %q; name the stack with --stack\n", fs.Arg(0))
		return 2
	}
	if err := probe.ValidStackName(*stack); err != nil {
		fmt.Fprintf(stderr, "postdeploy: --stack: %v\n", err)
		return 2
	}
	if *roleArn != "" && !roleARN.MatchString(*roleArn) {
		fmt.Fprintf(stderr, "postdeploy: --role-arn %q: want an IAM role ARN such as arn:aws:iam::123456789012:role/PrivateS3-dev-postdeploy-check\n", *roleArn)
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "postdeploy: --timeout %v: want a positive duration such as 3m\n", *timeout)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "postdeploy: load AWS configuration: %v\n", err)
		return 2
	}
	if cfg.Region == "" {
		fmt.Fprintln(stderr, "postdeploy: no AWS region: pass --region or set AWS_REGION (the stack's region)")
		return 2
	}
	if *roleArn != "" {
		// Temporary credentials for the role, refreshed before they expire;
		// the session name says who the calls are in CloudTrail.
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), *roleArn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "privates3-postdeploy"
		}))
	}
	id, err := newID(time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "postdeploy: %v\n", err)
		return 2
	}
	res, err := probe.Run(ctx, cloudformation.NewFromConfig(cfg), lambda.NewFromConfig(cfg), *stack, id)
	if err != nil {
		fmt.Fprintf(stderr, "postdeploy: %v\n", err)
		if errors.Is(err, probe.ErrStackNotFound) {
			fmt.Fprintf(stderr, "postdeploy: no stack %s in %s: deploy it first (npm run cdk -- deploy), or pass the right --stack and --region\n", *stack, cfg.Region)
		}
		return 2
	}
	if *asJSON {
		err = probe.WriteJSON(stdout, res)
	} else {
		err = probe.WriteText(stdout, res, cfg.Region)
	}
	if err != nil {
		fmt.Fprintf(stderr, "postdeploy: %v\n", err)
		return 2
	}
	if !res.Passed {
		return 1
	}
	return 0
}

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)

// newID makes the probe keys unique and sortable: the UTC time, then random
// bytes so two runs in the same second never collide (the uploader refuses
// to overwrite, which would read as a failure).
func newID(now time.Time) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random probe id: %w", err)
	}
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]), nil
}
