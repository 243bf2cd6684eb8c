package canary

// One jsii start-up for the package: TestMain synthesizes the stacks every
// test reads; the refusals panic before they create anything and share a
// stack that is never synthesized.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/internal/cdktest"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

var (
	hourly    cdktest.Template // rate(1 hour), defaults, no topic
	quarterly cdktest.Template // rate(15 minutes), a topic, ReservedConcurrency -1, functions with 30 s timeouts

	refusals      awscdk.Stack
	refBucket     *storage.PrivateBucket
	refUp, refCtl *functions.Function
)

func TestMain(m *testing.M) { cdktest.Main(m, setup) }

func setup() error {
	app := cdktest.NewApp(nil)
	h := workload(app, "Hourly", func(p *CanaryProps) {}, nil)
	q := workload(app, "Quarterly", func(p *CanaryProps) {
		p.Schedule = jsii.String("rate(15 minutes)")
		p.AlarmTopic = awssns.NewTopic(awscdk.Stack_Of(p.Bucket), jsii.String("Alerts"), nil)
		p.ReservedConcurrency = jsii.Number(-1)
	}, func(f *functions.FunctionProps) { f.Timeout = awscdk.Duration_Seconds(jsii.Number(30)) })
	hourly, quarterly = cdktest.Synth(h), cdktest.Synth(q)

	refusals = awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Refusals"), nil)
	net := network.NewPrivateNetwork(refusals, jsii.String("Net"), nil)
	refBucket = storage.NewPrivateBucket(refusals, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{net.EndpointId}})
	fp := &functions.FunctionProps{Bucket: refBucket.Bucket, Network: net, PrefixListId: jsii.String("pl-63a5400a")}
	refUp = functions.NewUploader(refusals, jsii.String("Uploader"), fp)
	ctl := *fp
	ctl.Network, ctl.PrefixListId = nil, nil
	refCtl = functions.NewControl(refusals, jsii.String("Control"), &ctl)
	return nil
}

// workload is a private workload with the canary on it, as a user writes
// it.
func workload(app awscdk.App, id string, edit func(*CanaryProps), editFn func(*functions.FunctionProps)) awscdk.Stack {
	st := awscdk.NewStack(app, jsii.String(id), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	b := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{net.EndpointId}})
	fp := &functions.FunctionProps{Bucket: b.Bucket, Network: net, PrefixListId: jsii.String("pl-63a5400a")}
	if editFn != nil {
		editFn(fp)
	}
	up := functions.NewUploader(st, jsii.String("Uploader"), fp)
	ctl := *fp
	ctl.Network, ctl.PrefixListId = nil, nil
	control := functions.NewControl(st, jsii.String("Control"), &ctl)
	p := &CanaryProps{Schedule: jsii.String("rate(1 hour)"), Bucket: b.Bucket, Uploader: up, Control: control}
	edit(p)
	NewCanary(st, jsii.String("Canary"), p)
	return st
}

func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) any          { return map[string]any{"Ref": id} }

// The schedule runs the prover at the given rate, once: EventBridge does
// not retry (EventBridge API Reference, RetryPolicy: MaximumRetryAttempts
// 0 to 185), nor does Lambda (Lambda API Reference,
// PutFunctionEventInvokeConfig: MaximumRetryAttempts 0 to 2), a throttled
// run waits at most one interval instead of six hours (Lambda Developer
// Guide, "Asynchronous invocation"; MaximumEventAgeInSeconds 60 to 21600),
// and only the rule may invoke the prover.
func TestSchedule(t *testing.T) {
	for name, c := range map[string]struct {
		tp     cdktest.Template
		rate   string
		maxAge float64
	}{"hourly": {hourly, "rate(1 hour)", 3600}, "quarterly": {quarterly, "rate(15 minutes)", 900}} {
		ruleID, rule := c.tp.One(t, "AWS::Events::Rule", "CanarySchedule")
		prover, _ := c.tp.One(t, "AWS::Lambda::Function", "CanaryProver")
		cdktest.Equal(t, name+" ScheduleExpression", rule["ScheduleExpression"], c.rate)
		cdktest.Equal(t, name+" State", rule["State"], "ENABLED")
		targets := rule["Targets"].([]any)
		if len(targets) != 1 {
			t.Fatalf("%s: targets %v, want the prover only", name, targets)
		}
		tg := targets[0].(map[string]any)
		cdktest.Equal(t, name+" target", tg["Arn"], getAtt(prover, "Arn"))
		cdktest.Equal(t, name+" target retries", tg["RetryPolicy"], map[string]any{"MaximumRetryAttempts": 0.0})
		// Lambda's own retries of an asynchronous invocation are off too.
		_, eic := c.tp.One(t, "AWS::Lambda::EventInvokeConfig", "CanaryProver")
		cdktest.Equal(t, name+" EventInvokeConfig retries", eic["MaximumRetryAttempts"], 0.0)
		// A throttled run is dropped once it is one interval old (60 s at
		// least, Lambda's minimum).
		cdktest.Equal(t, name+" EventInvokeConfig event age", eic["MaximumEventAgeInSeconds"], c.maxAge)
		// Only this rule may invoke the prover.
		perms := c.tp.Resources("AWS::Lambda::Permission")
		n := 0
		for _, p := range perms {
			pp := p["Properties"].(map[string]any)
			if fmt.Sprint(pp["FunctionName"]) == fmt.Sprint(getAtt(prover, "Arn")) {
				n++
				cdktest.Equal(t, name+" permission principal", pp["Principal"], "events.amazonaws.com")
				cdktest.Equal(t, name+" permission source", pp["SourceArn"], getAtt(ruleID, "Arn"))
			}
		}
		if n != 1 {
			t.Errorf("%s: %d permissions to invoke the prover, want the rule's one", name, n)
		}
	}
}

// The prover's role may invoke exactly the uploader and the control, and
// write its own log: nothing else, no managed policy of AWS's, no inline
// policy. The unqualified function ARNs allow the prover's unqualified
// invocations by name, and no qualified ones (Lambda Developer Guide,
// "Fine-tuning the Resources and Conditions sections of policies").
func TestProverRights(t *testing.T) {
	tp := hourly
	up, _ := tp.One(t, "AWS::Lambda::Function", "UploaderFunction")
	ctl, _ := tp.One(t, "AWS::Lambda::Function", "ControlFunction")
	logs, _ := tp.One(t, "AWS::Logs::LogGroup", "CanaryLogs")
	role, r := tp.One(t, "AWS::IAM::Role", "CanaryServiceRole")
	cdktest.Equal(t, "role's AWS managed policies", r["ManagedPolicyArns"], nil)
	cdktest.Equal(t, "role's inline policies", r["Policies"], nil)
	cdktest.Equal(t, "role trust", r["AssumeRolePolicyDocument"], cdktest.JSON(`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}`))
	_, p := tp.One(t, "AWS::IAM::ManagedPolicy", "CanaryRights")
	cdktest.Equal(t, "rights' roles", p["Roles"], []any{ref(role)})
	cdktest.Equal(t, "rights", p["PolicyDocument"].(map[string]any)["Statement"], []any{
		map[string]any{"Sid": "WriteItsLogs", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": getAtt(logs, "Arn")},
		map[string]any{"Sid": "InvokeTheTwoFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": []any{getAtt(up, "Arn"), getAtt(ctl, "Arn")}},
	})
	for id, pol := range tp.Resources("AWS::IAM::Policy") {
		for _, rr := range pol["Properties"].(map[string]any)["Roles"].([]any) {
			if fmt.Sprint(rr) == fmt.Sprint(ref(role)) {
				t.Errorf("inline policy %s is attached to the prover's role", id)
			}
		}
	}
}

// The prover runs outside any VPC, knows the bucket and both functions by
// its environment, and waits long enough for both.
func TestProver(t *testing.T) {
	for name, c := range map[string]struct {
		tp               cdktest.Template
		timeout, reserve any
	}{
		"hourly":    {hourly, 90.0, 1.0},     // 15 s + 15 s + 60 s
		"quarterly": {quarterly, 120.0, nil}, // 30 s + 30 s + 60 s; -1: no reservation
	} {
		up, _ := c.tp.One(t, "AWS::Lambda::Function", "UploaderFunction")
		ctl, _ := c.tp.One(t, "AWS::Lambda::Function", "ControlFunction")
		_, f := c.tp.One(t, "AWS::Lambda::Function", "CanaryProver")
		cdktest.Equal(t, name+" Runtime", f["Runtime"], "provided.al2023")
		cdktest.Equal(t, name+" Architectures", f["Architectures"], []any{"arm64"})
		cdktest.Equal(t, name+" Handler", f["Handler"], "bootstrap")
		cdktest.Equal(t, name+" MemorySize", f["MemorySize"], 128.0)
		cdktest.Equal(t, name+" Timeout", f["Timeout"], c.timeout)
		cdktest.Equal(t, name+" ReservedConcurrentExecutions", f["ReservedConcurrentExecutions"], c.reserve)
		cdktest.Equal(t, name+" VpcConfig", f["VpcConfig"], nil)
		cdktest.Equal(t, name+" Environment", f["Environment"], map[string]any{"Variables": map[string]any{
			"BUCKET_NAME": ref(c.tp.BucketID(t)), "UPLOADER_FUNCTION": ref(up), "CONTROL_FUNCTION": ref(ctl),
		}})
	}
	_, lg := hourly.One(t, "AWS::Logs::LogGroup", "CanaryLogs")
	cdktest.Equal(t, "log retention", lg["RetentionInDays"], 30.0)
}

// The alarm fires when the minimum of PrivacyProven over two intervals is
// below 1 (a run that did not prove privacy), or when no run reported in
// them: FILL(m, 0) makes an empty window a 0 (CloudWatch User Guide,
// "Using metric math", FILL), since on the bare metric CloudWatch would
// judge the last data point of a look-back longer than one period and
// ignore missing data ("Using Amazon CloudWatch alarms", "How alarm state
// is evaluated when data is missing"); missing data stays breaching for a
// query that returns nothing.
func TestAlarm(t *testing.T) {
	for name, c := range map[string]struct {
		tp      cdktest.Template
		period  float64
		actions any
	}{
		"hourly":    {hourly, 7200, nil},
		"quarterly": {quarterly, 1800, "topic"},
	} {
		_, a := c.tp.One(t, "AWS::CloudWatch::Alarm", "CanaryAlarm")
		// The alarm watches FILL(m, 0) of the metric: an empty window is
		// a 0, a failed proof.
		cdktest.Equal(t, name+" Metrics", a["Metrics"], []any{
			map[string]any{"Id": "expr_1", "Expression": "FILL(m, 0)", "Label": "Privacy proven (0 when no run reported)", "ReturnData": true},
			map[string]any{"Id": "m", "ReturnData": false, "MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": "PrivateS3", "MetricName": "PrivacyProven",
					"Dimensions": []any{map[string]any{"Name": "Bucket", "Value": ref(c.tp.BucketID(t))}}},
				"Period": c.period, "Stat": "Minimum",
			}},
		})
		cdktest.Equal(t, name+" MetricName (the alarm is on the expression)", a["MetricName"], nil)
		cdktest.Equal(t, name+" EvaluationPeriods", a["EvaluationPeriods"], 1.0)
		cdktest.Equal(t, name+" Threshold", a["Threshold"], 1.0)
		cdktest.Equal(t, name+" ComparisonOperator", a["ComparisonOperator"], "LessThanThreshold")
		cdktest.Equal(t, name+" TreatMissingData", a["TreatMissingData"], "breaching")
		if c.actions == nil {
			cdktest.Equal(t, name+" AlarmActions", a["AlarmActions"], nil)
			cdktest.Equal(t, name+" OKActions", a["OKActions"], nil)
			continue
		}
		topic, _ := c.tp.One(t, "AWS::SNS::Topic", "Alerts")
		cdktest.Equal(t, name+" AlarmActions", a["AlarmActions"], []any{ref(topic)})
		cdktest.Equal(t, name+" OKActions", a["OKActions"], []any{ref(topic)})
	}
}

// EventBridge's rate expressions (EventBridge User Guide, "Schedule
// expressions for rules": rate(value unit), unit minute(s), hour(s) or
// day(s), singular for a value of 1), from a minute to a day.
func TestCheckSchedule(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"rate(1 minute)": time.Minute, "rate(5 minutes)": 5 * time.Minute, "rate(1 hour)": time.Hour,
		"rate(12 hours)": 12 * time.Hour, "rate(1 day)": 24 * time.Hour, "rate(24 hours)": 24 * time.Hour,
	} {
		if got, err := CheckSchedule(expr); err != nil || got != want {
			t.Errorf("CheckSchedule(%q) = %v, %v; want %v", expr, got, err, want)
		}
	}
	for expr, want := range map[string]string{
		"":                                   "rate expression such as",
		"rate(1 hours)":                      `wants the unit "hour" with the value 1: write rate(1 hour)`,
		"rate(5 minute)":                     `wants the unit "minutes" with the value 5: write rate(5 minutes)`,
		"rate(0 minutes)":                    "whole number of 1 or more",
		"rate(2 days)":                       "less often than daily",
		"rate(25 hours)":                     "less often than daily",
		"cron(0 * * * ? *)":                  "cron expressions are not taken",
		"rate(1 week)":                       "rate expression such as",
		"rate( 1 hour)":                      "rate expression such as",
		"rate(1.5 hours)":                    "rate expression such as",
		"1 hour":                             "rate expression such as",
		"rate(99999999999999999999 minutes)": "whole number",
	} {
		if _, err := CheckSchedule(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckSchedule(%q) error = %v, want it to hold %q", expr, err, want)
		}
	}
}

// The window of every schedule CheckSchedule takes is a period CloudWatch
// accepts (CloudWatch API Reference, PutMetricAlarm, Period: 10, 20, 30 or
// a multiple of 60; Period × EvaluationPeriods at most 86,400 seconds when
// the period is under an hour, at most 604,800 otherwise), with one
// evaluation period.
func TestAlarmWindowIsAPeriodCloudWatchTakes(t *testing.T) {
	for expr, want := range map[string]float64{
		"rate(1 minute)": 120, "rate(59 minutes)": 7080, "rate(12 hours)": 86400, "rate(1 day)": 172800,
	} {
		d, err := CheckSchedule(expr)
		if err != nil {
			t.Fatal(err)
		}
		p := alarmWindow(d)
		limit := 604800.0
		if p < 3600 {
			limit = 86400
		}
		if p != want || p > limit || int(p)%60 != 0 {
			t.Errorf("%s: window %v s, want %v s, a multiple of 60 within %v s", expr, p, want, limit)
		}
	}
}

// refusal returns the message NewCanary panics with.
func refusal(edit func(*CanaryProps)) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	p := &CanaryProps{Schedule: jsii.String("rate(1 hour)"), Bucket: refBucket.Bucket, Uploader: refUp, Control: refCtl}
	edit(p)
	NewCanary(refusals, jsii.String("Canary"), p)
	return ""
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*CanaryProps)
		want []string
	}{
		{"no props at all", func(p *CanaryProps) { *p = CanaryProps{} }, []string{"Canary: Schedule is required", "Canary: Bucket is required", "Canary: Uploader is required", "Canary: Control is required", "nothing to prove"}},
		{"no control", func(p *CanaryProps) { p.Control = nil }, []string{"Control is required", "functions.NewControl"}},
		{"bad schedule", func(p *CanaryProps) { p.Schedule = jsii.String("rate(1 hours)") }, []string{`Schedule "rate(1 hours)" is invalid`, "rate(1 hour)"}},
		{"token schedule", func(p *CanaryProps) { p.Schedule = awscdk.Aws_STACK_NAME() }, []string{"Schedule is a token"}},
		{"functions swapped", func(p *CanaryProps) { p.Uploader, p.Control = p.Control, p.Uploader }, []string{"Uploader is not an uploader", "Control runs in a VPC"}},
		{"zero reserved concurrency", func(p *CanaryProps) { p.ReservedConcurrency = jsii.Number(0) }, []string{"ReservedConcurrency 0 is invalid", "nil for 1"}},
		{"empty Entry", func(p *CanaryProps) { p.Entry = jsii.String("") }, []string{"Entry is empty", "lambda/prover"}},
		{"functions too slow to wait for", func(p *CanaryProps) {
			up, ctl := *p.Uploader, *p.Control
			up.Timeout, ctl.Timeout = awscdk.Duration_Minutes(jsii.Number(8)), awscdk.Duration_Minutes(jsii.Number(7))
			p.Uploader, p.Control = &up, &ctl
		}, []string{"Timeouts add up to 960 seconds", "at most 7 minutes each"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := refusal(tc.edit)
			if msg == "" {
				t.Fatalf("not refused; want a message holding %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("refusal %q does not hold %q", msg, w)
				}
			}
		})
	}
}
