# Vigil's container image: docker build -t vigil:0.1.0 .
#
# Stage 1 builds the shaded jar with Maven, as ./vigil does (but `package`, not `install`: nothing outside the
# image is touched). Stage 2 is a JRE 17 on glibc (ONNX Runtime's and Netty's native libraries need glibc: no
# Alpine), running as a non-root user with the journals on the /data volume. See deploy/README.md.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# -pl cli -am: the modules the vigil jar is made of; tests run in CI, not in the image build
# the cache mount keeps Maven's downloads between builds (BuildKit, Docker 23 and later)
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl cli -am package -DskipTests \
 && mkdir -p /out \
 && cp cli/target/vigil.jar cli/target/jvm.options /out/

FROM eclipse-temurin:17-jre
# a fixed uid/gid: the StatefulSet's runAsUser/fsGroup (deploy/k8s/statefulset.yaml) name the same numbers
RUN groupadd --system --gid 10001 vigil \
 && useradd --system --uid 10001 --gid vigil --home-dir /opt/vigil --no-create-home --shell /usr/sbin/nologin vigil \
 && mkdir -p /data /etc/vigil \
 && chown vigil:vigil /data
# the jar and the JVM flags the build wrote from the parent pom's vigil.jvm.flags (ZGC, the --add-opens and
# --add-exports Chronicle and Agrona need): the same file ./vigil passes as java @cli/target/jvm.options
COPY --from=build /out/vigil.jar /out/jvm.options /opt/vigil/
# `vigil stat`, `vigil dlq list` ... beside the server, without its heap settings: kubectl exec vigil-0 -- vigil ...
COPY --chmod=755 deploy/docker/vigil /usr/local/bin/vigil
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# gateway (vigil.port) and admin server (vigil.admin.port); both listen on loopback unless configured otherwise
EXPOSE 7070 7071
# exec form: java is PID 1 and receives SIGTERM itself; `vigil run` then stops reading, finishes what is
# journaled, writes the last checkpoint and exits 0 (gateway/.../cli/RunCommand.java, StopSignals.java).
# Extra JVM options (heap size): JDK_JAVA_OPTIONS, which the java launcher reads by itself. jna.tmpdir: JNA
# (Chronicle's affinity and OS calls) unpacks its library under the home directory, which is not writable here;
# /tmp is (an emptyDir in the StatefulSet, whose root file system is read-only).
ENTRYPOINT ["java", "@/opt/vigil/jvm.options", "-Djna.tmpdir=/tmp/jna", "-jar", "/opt/vigil/vigil.jar"]
CMD ["run", "--data", "/data"]
