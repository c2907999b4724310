package io.valmi.spring.boot;

import java.util.List;

/** Every job of the application, as {@link PropertyJobs#all} found them: one bean the schedulers share. */
record JobList(List<ScheduledSyncJob> jobs) {
    JobList {
        jobs = List.copyOf(jobs);
    }
}
