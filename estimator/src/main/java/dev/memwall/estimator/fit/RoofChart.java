package dev.memwall.estimator.fit;

import java.util.ArrayList;
import java.util.List;

/**
 * A device's roofline chart, resolved for drawing: the roofs as vertices over an intensity range that holds every
 * model's points and the ridge, in whole decades, and the attained-FLOP/s range they span. A page maps these to
 * pixels; it computes no roof of its own.
 *
 * @param bandwidthBytesPerSecond   the measured roof's slope (measured read, else theoretical), or null
 * @param bandwidthMeasured         whether that slope was measured
 * @param theoreticalBytesPerSecond the theoretical roof's slope, or null
 * @param peakFlopsPerSecond        the flat roof, or null
 * @param ridgeFlopsPerByte         where the slope meets the flat roof, or null
 * @param minIntensity              left edge, FLOPs per byte (a power of ten)
 * @param maxIntensity              right edge (a power of ten)
 * @param minFlopsPerSecond         bottom edge (a power of ten)
 * @param maxFlopsPerSecond         top edge (a power of ten)
 * @param roof                      the roof at the measured (else theoretical) bandwidth, left to right; empty when
 *                                  neither bandwidth nor peak FLOPs is known
 * @param theoreticalRoof           the roof at the theoretical bandwidth when a measured one is drawn too, else empty
 */
public record RoofChart(Double bandwidthBytesPerSecond, boolean bandwidthMeasured, Long theoreticalBytesPerSecond,
        Long peakFlopsPerSecond, Double ridgeFlopsPerByte, double minIntensity, double maxIntensity,
        double minFlopsPerSecond, double maxFlopsPerSecond, List<Vertex> roof, List<Vertex> theoreticalRoof) {

    /** A point of a roof: intensity in FLOPs per byte, attainable FLOP/s. */
    public record Vertex(double intensityFlopsPerByte, double flopsPerSecond) {
    }

    public RoofChart {
        roof = List.copyOf(roof);
        theoreticalRoof = List.copyOf(theoreticalRoof);
    }

    /** The chart of a device holding the given models' rooflines. */
    public static RoofChart of(Capacity device, List<RooflineFigures> models) {
        Double bw = device.decodeBandwidth();
        boolean measured = device.readBytesPerSecond() != null;
        Long theo = device.theoreticalBytesPerSecond();
        Long peak = device.peakFlops();
        Double ridge = device.ridgeFlopsPerByte();
        double x0 = 0.1;
        double x1 = 1e4;
        List<Double> ys = new ArrayList<>();
        for (RooflineFigures f : models) {
            for (RooflineFigures.Point p : f.points()) {
                if (p.intensityFlopsPerByte() > 0) {
                    x0 = Math.min(x0, p.intensityFlopsPerByte());
                    x1 = Math.max(x1, p.intensityFlopsPerByte());
                }
                if (p.flopsPerSecond() != null && p.flopsPerSecond() > 0) {
                    ys.add(p.flopsPerSecond());
                }
            }
        }
        if (ridge != null && ridge > 0) {
            x0 = Math.min(x0, ridge);
            x1 = Math.max(x1, ridge);
        }
        x0 = Math.pow(10, Math.floor(Math.log10(x0)));
        x1 = Math.pow(10, Math.ceil(Math.log10(x1)));
        List<Vertex> roof = roof(bw, peak, x0, x1);
        List<Vertex> theoretical = measured && theo != null ? roof(theo.doubleValue(), peak, x0, x1) : List.of();
        for (Vertex v : roof) {
            ys.add(v.flopsPerSecond());
        }
        for (Vertex v : theoretical) {
            ys.add(v.flopsPerSecond());
        }
        double y0 = ys.isEmpty() ? 1e11 : ys.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double y1 = ys.isEmpty() ? 1e15 : ys.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        y0 = Math.pow(10, Math.floor(Math.log10(y0)));
        y1 = Math.pow(10, Math.ceil(Math.log10(y1)));
        if (!(y1 > y0)) {
            y1 = y0 * 10;
        }
        return new RoofChart(bw, measured, theo, peak, ridge, x0, x1, y0, y1, roof, theoretical);
    }

    /** min(peak, bandwidth x intensity) from x0 to x1, with the ridge as a vertex where it lies between. */
    private static List<Vertex> roof(Double bandwidth, Long peak, double x0, double x1) {
        List<Vertex> out = new ArrayList<>();
        if (bandwidth == null) {
            if (peak != null) {
                out.add(new Vertex(x0, peak));
                out.add(new Vertex(x1, peak));
            }
            return out;
        }
        out.add(new Vertex(x0, attainable(bandwidth, peak, x0)));
        if (peak != null && peak / bandwidth > x0 && peak / bandwidth < x1) {
            out.add(new Vertex(peak / bandwidth, peak));
        }
        out.add(new Vertex(x1, attainable(bandwidth, peak, x1)));
        return out;
    }

    private static double attainable(double bandwidth, Long peak, double x) {
        return peak == null ? bandwidth * x : Math.min(peak, bandwidth * x);
    }
}
