using System.Net;
using System.Text.Json;
using HpcRun.Slurm.V0038;

namespace HpcRun.Slurm.Tests;

/// <summary>Every recorded slurmrestd 22.05 answer is read (or classified) the way hpcrun relies on.</summary>
public class SampleAnswersTests
{
    private static readonly SlurmV0038 Adapter = new(null!, new Uri("http://slurm.example:6820/"));

    public static TheoryData<string> AllSamples => [.. Samples.Statuses.Keys];

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Every_successful_json_answer_deserializes_with_its_meta(string name)
    {
        if (Samples.Statuses[name] != 200 || name == "openapi_v3.json") return;
        Response answer = JsonSerializer.Deserialize(Samples.Read(name), JsonV0038.Default.Response)!;
        Assert.Equal("openapi/v0.0.38", answer.Meta?.Plugin?.Type);
        Assert.Equal("22.05.8", answer.Meta?.Slurm?.Release);
        Assert.Empty(answer.Errors!);
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Every_error_answer_becomes_one_line_with_a_fault(string name)
    {
        int status = Samples.Statuses[name];
        if (status == 200) return;
        SlurmApiException fault = Adapter.Fault((HttpStatusCode)status, Samples.Read(name), null, "do it");
        Assert.DoesNotContain('\n', fault.Message);
        SlurmFault expected = (status, name) switch
        {
            (401, _) => SlurmFault.Unauthorized,
            (_, "error_invalid_token.json") => SlurmFault.TokenRejected,
            (_, _) when name.EndsWith(".txt") => SlurmFault.BadResponse, // plain text: no error list to show
            _ => SlurmFault.SlurmError,
        };
        Assert.Equal(expected, fault.Fault);
    }

    [Fact]
    public void Slurm_error_list_is_shown_as_slurm_says_it()
    {
        Assert.Equal("could not submit: Invalid partition name specified",
            Adapter.Fault(HttpStatusCode.InternalServerError, Samples.Read("error_bad_partition.json"), null,
                "submit").Message);
        Assert.Equal("could not show job 999999: Invalid job id specified (Unable to find JobId=999999)",
            Adapter.Fault(HttpStatusCode.InternalServerError, Samples.Read("error_get_unknown_job.json"), null,
                "show job 999999").Message);
    }

    [Fact]
    public void Submit_answer_carries_the_job_id()
    {
        SubmitResponse answer =
            JsonSerializer.Deserialize(Samples.Read("submit_response.json"), JsonV0038.Default.SubmitResponse)!;
        Assert.Equal(3, answer.JobId);
    }

    [Fact]
    public void Jobs_become_version_neutral_job_infos()
    {
        JobsResponse answer = JsonSerializer.Deserialize(Samples.Read("jobs.json"), JsonV0038.Default.JobsResponse)!;
        JobInfo[] jobs = [.. answer.Jobs!.Select(SlurmV0038.ToJobInfo)];
        Assert.Equal([1, 2, 3], jobs.Select(j => j.Id));
        Assert.Equal(["CANCELLED", "FAILED", "RUNNING"], jobs.Select(j => j.State));
        Assert.Equal([143, 8, null], jobs.Select(j => j.ExitStatus)); // SIGTERM; exit 8 (raw 2048); still running
        Assert.Equal("/tmp/slurmprobe/cluster/jobs/rest-1.out", jobs[0].StandardOutput);
        Assert.Equal("/tmp/slurm-2.out", jobs[1].StandardOutput); // Slurm's default, in the working directory
        Assert.All(jobs, j => Assert.Equal("root", j.User));
    }

    [Fact]
    public void Running_and_cancelled_job_answers_are_read()
    {
        JobInfo running = SlurmV0038.ToJobInfo(
            JsonSerializer.Deserialize(Samples.Read("job_running.json"), JsonV0038.Default.JobsResponse)!.Jobs![0]);
        JobInfo cancelled = SlurmV0038.ToJobInfo(
            JsonSerializer.Deserialize(Samples.Read("job_cancelled.json"), JsonV0038.Default.JobsResponse)!.Jobs![0]);
        Assert.Equal(("RUNNING", false, "vm", "debug"),
            (running.State, running.IsFinished, running.Nodes, running.Partition));
        Assert.Equal(("CANCELLED", true, 143), (cancelled.State, cancelled.IsFinished, cancelled.ExitStatus));
    }

    [Fact]
    public void Ping_answer_is_read()
    {
        PingResponse answer = JsonSerializer.Deserialize(Samples.Read("ping.json"), JsonV0038.Default.PingResponse)!;
        Assert.Equal(("vm", "UP"), (answer.Pings![0].Hostname, answer.Pings[0].State));
    }

    [Fact]
    public void Version_is_picked_from_the_served_openapi_document() =>
        Assert.Equal("v0.0.38", SlurmClient.PickVersion(Samples.Read("openapi_v3.json")));

    [Fact]
    public void Openapi_document_without_a_known_version_is_refused()
    {
        var e = Assert.Throws<SlurmApiException>(() =>
            SlurmClient.PickVersion("""{"paths":{"/slurm/v0.0.36/ping":{}}}"""));
        Assert.Equal(SlurmFault.NotConfigured, e.Fault);
        Assert.Contains("serves API v0.0.36", e.Message);
    }

    [Fact]
    public void Submit_request_is_written_as_slurmrestd_accepts_it()
    {
        var request = new SubmitRequest("#!/bin/bash\ntrue\n", new JobProperties
        {
            Environment = new() { ["PATH"] = "/usr/bin:/bin" },
            CurrentWorkingDirectory = "/tmp",
            Nodes = 2,
            TimeLimit = 5,
        });
        using JsonDocument written =
            JsonDocument.Parse(JsonSerializer.Serialize(request, JsonV0038.Default.SubmitRequest));
        using JsonDocument accepted = JsonDocument.Parse(Samples.Read("submit_request.json"));
        JsonElement job = written.RootElement.GetProperty("job");
        Assert.Equal(2, job.GetProperty("nodes").GetInt32());
        Assert.False(job.TryGetProperty("partition", out _)); // unset fields are left out, not sent as null
        foreach (JsonProperty field in job.EnumerateObject())
            Assert.True(accepted.RootElement.GetProperty("job").TryGetProperty(field.Name, out _),
                $"{field.Name} is not in the accepted sample");
    }
}
