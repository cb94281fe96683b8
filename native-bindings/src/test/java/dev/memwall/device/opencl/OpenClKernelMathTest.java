package dev.memwall.device.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memwall.device.DeviceType;
import org.jocl.CL;
import org.junit.jupiter.api.Test;

/** Pure checks of the OpenCL backend's host-side logic; no device needed. */
class OpenClKernelMathTest {

    @Test
    void hashMatchesTheLowbiasReference() {
        // mix() is the lowbias32 integer hash (x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b;
        // x ^= x>>16); 0 maps to 0, and 1 maps to this value computed by hand in unsigned 32-bit arithmetic.
        assertThat(OpenClBandwidth.mix(0)).isZero();
        long x = 1;
        x ^= x >>> 16;
        x = (x * 0x7feb352dL) & 0xffffffffL;
        x ^= x >>> 15;
        x = (x * 0x846ca68bL) & 0xffffffffL;
        x ^= x >>> 16;
        assertThat(Integer.toUnsignedLong(OpenClBandwidth.mix(1))).isEqualTo(x);
    }

    @Test
    void blockSizesDivideEveryAlignedBuffer() {
        for (DeviceType t : DeviceType.values()) {
            OpenClBandwidth.Shape s = OpenClBandwidth.shapeFor(t);
            assertThat(dev.memwall.device.BufferPlan.ALIGN_BYTES % s.bytesPerGroup()).as(t.name()).isZero();
        }
    }

    @Test
    void deviceTypesFromClBits() {
        assertThat(OpenClDevice.typeOf(CL.CL_DEVICE_TYPE_GPU)).isEqualTo(DeviceType.GPU);
        assertThat(OpenClDevice.typeOf(CL.CL_DEVICE_TYPE_CPU | CL.CL_DEVICE_TYPE_DEFAULT)).isEqualTo(DeviceType.CPU);
        assertThat(OpenClDevice.typeOf(CL.CL_DEVICE_TYPE_ACCELERATOR)).isEqualTo(DeviceType.ACCELERATOR);
        assertThat(OpenClDevice.typeOf(CL.CL_DEVICE_TYPE_CUSTOM)).isEqualTo(DeviceType.OTHER);
    }
}
